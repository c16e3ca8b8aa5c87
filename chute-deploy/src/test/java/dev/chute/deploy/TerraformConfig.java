package dev.chute.deploy;

import static java.util.Objects.requireNonNull;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import com.bertramlabs.plugins.hcl4j.HCLParserException;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.ComputedObject;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.ComputedTuple;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.EvalSymbol;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.Function;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.Variable;
import com.bertramlabs.plugins.hcl4j.RuntimeSymbols.VariableTree;
import com.bertramlabs.plugins.hcl4j.symbols.HCLArray;
import com.bertramlabs.plugins.hcl4j.symbols.HCLAttribute;
import com.bertramlabs.plugins.hcl4j.symbols.HCLBlock;
import com.bertramlabs.plugins.hcl4j.symbols.HCLValue;
import com.bertramlabs.plugins.hcl4j.symbols.Symbol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Terraform configuration (every {@code *.tf} of one directory) as parsed by hcl4j, kept as
 * the parser's symbol tree rather than its evaluated map: the checks need the expressions as
 * written ({@code var.x}, {@code google_storage_bucket.upload.name}), which evaluation replaces by
 * values or nulls since no variable has a value here.
 *
 * <p>hcl4j does not expose its symbol tree; it hands each expression and literal to
 * {@code processEvaluation} / {@code processValue}, so a subclass collects the top-level block of
 * every symbol it is given. {@link #parse} then checks that every block of the parser's evaluated
 * map was collected, so a block the hook missed fails loudly instead of escaping the checks.
 */
final class TerraformConfig {

    /** A top-level block: {@code resource "type" "name"}, {@code variable "name"}, {@code locals}... */
    record Block(Path file, String kind, List<String> labels, HCLBlock symbol) {
        Block {
            requireNonNull(file, "file is null");
            requireNonNull(kind, "kind is null");
            labels = List.copyOf(labels);
            requireNonNull(symbol, "symbol is null");
        }

        /** {@code type.name} of a resource or data block, the name of a variable, output... */
        String address() {
            return String.join(".", labels);
        }

        String where() {
            return file.getFileName() + ":" + (symbol.getLine() + 1) + " " + kind + (labels.isEmpty() ? "" : " " + address());
        }
    }

    /**
     * One traversal in an expression, e.g. {@code [google_storage_bucket, upload, name]}.
     *
     * @param forVariables names bound by enclosing {@code for} expressions
     * @param dynamicLabels labels of the enclosing {@code dynamic} blocks (their iterators)
     */
    record Reference(List<String> path, int line, Set<String> forVariables, List<String> dynamicLabels) {
        Reference {
            path = List.copyOf(path);
            forVariables = Set.copyOf(forVariables);
            dynamicLabels = List.copyOf(dynamicLabels);
        }

        String text() {
            return String.join(".", path);
        }
    }

    private final Path directory;
    private final List<Block> blocks;

    private TerraformConfig(Path directory, List<Block> blocks) {
        this.directory = directory;
        this.blocks = List.copyOf(blocks);
    }

    /** Parses every {@code *.tf} file of {@code directory}; a syntax error names the file. */
    static TerraformConfig parse(Path directory) {
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".tf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.tf file in " + directory);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path file : files) {
            blocks.addAll(parseFile(file));
        }
        return new TerraformConfig(directory, blocks);
    }

    private static List<Block> parseFile(Path file) {
        Set<Symbol> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<HCLBlock> roots = new ArrayList<>();
        HCLParser parser = new HCLParser() {
            @Override
            protected Object processEvaluation(EvalSymbol symbol, Object context, Map<String, Object> stack) throws HCLParserException {
                collect(symbol);
                return super.processEvaluation(symbol, context, stack);
            }

            @Override
            protected Object processValue(HCLValue value) throws HCLParserException {
                collect(value);
                return super.processValue(value);
            }

            private void collect(Symbol symbol) {
                Symbol root = symbol;
                while (root.getParent() != null) {
                    root = root.getParent();
                }
                if (root instanceof HCLBlock block && seen.add(block)) {
                    roots.add(block);
                }
            }
        };
        Map<String, Object> evaluated;
        try {
            evaluated = parser.parse(file.toFile(), "UTF-8");
        } catch (HCLParserException e) {
            throw new IllegalArgumentException(file + ": not valid HCL: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Block> blocks = new ArrayList<>();
        for (HCLBlock root : roots) {
            List<String> names = root.blockNames;
            blocks.add(new Block(file, names.get(0), names.subList(1, names.size()), root));
        }
        // Every block the parser evaluated must have been collected.
        for (String expected : blockAddresses(evaluated)) {
            boolean found = blocks.stream().anyMatch(b -> (b.kind() + (b.labels().isEmpty() ? "" : "." + b.address())).equals(expected));
            if (!found) {
                throw new IllegalStateException(file + ": the HCL parser showed no expression of block " + expected
                        + "; give it an attribute with a value (e.g. a description) so that it can be checked");
            }
        }
        return blocks;
    }

    /** kind[.label...] of each block in hcl4j's evaluated map (nested maps: one level per label). */
    private static List<String> blockAddresses(Map<String, Object> evaluated) {
        List<String> out = new ArrayList<>();
        for (var entry : evaluated.entrySet()) {
            String kind = entry.getKey();
            int labels = switch (kind) {
                case "resource", "data" -> 2;
                case "variable", "output", "module", "provider" -> 1;
                default -> 0;
            };
            collectAddresses(kind, entry.getValue(), labels, out);
        }
        return out;
    }

    private static void collectAddresses(String prefix, Object value, int labels, List<String> out) {
        if (labels == 0 || !(value instanceof Map<?, ?> map)) {
            out.add(prefix);
            return;
        }
        for (var entry : map.entrySet()) {
            collectAddresses(prefix + "." + entry.getKey(), entry.getValue(), labels - 1, out);
        }
    }

    Path directory() {
        return directory;
    }

    List<Block> blocks() {
        return blocks;
    }

    Stream<Block> blocks(String kind) {
        return blocks.stream().filter(b -> b.kind().equals(kind));
    }

    Stream<Block> resources(String type) {
        return blocks("resource").filter(b -> b.labels().get(0).equals(type));
    }

    Optional<Block> resource(String type, String name) {
        return resources(type).filter(b -> b.labels().get(1).equals(name)).findFirst();
    }

    Set<String> variableNames() {
        return blocks("variable").map(b -> b.labels().get(0)).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Every local value's name and its expression (the attribute). */
    Map<String, HCLAttribute> locals() {
        Map<String, HCLAttribute> out = new LinkedHashMap<>();
        blocks("locals").forEach(b -> attributes(b.symbol()).forEach(out::put));
        return out;
    }

    /** The attributes directly in a block (not in its nested blocks). */
    static Map<String, HCLAttribute> attributes(Symbol block) {
        Map<String, HCLAttribute> out = new LinkedHashMap<>();
        for (Symbol child : children(block)) {
            if (child instanceof HCLAttribute attribute) {
                out.put(attribute.getName(), attribute);
            }
        }
        return out;
    }

    static Optional<HCLAttribute> attribute(Symbol block, String name) {
        return Optional.ofNullable(attributes(block).get(name));
    }

    /** Blocks nested directly in a block; a {@code dynamic "x"} block counts as an {@code x}. */
    static List<HCLBlock> nested(Symbol block, String type) {
        List<HCLBlock> out = new ArrayList<>();
        for (Symbol child : children(block)) {
            if (child instanceof HCLBlock nested) {
                List<String> names = nested.blockNames;
                boolean plain = names.size() == 1 && names.get(0).equals(type);
                boolean dynamic = names.size() == 2 && names.get(0).equals("dynamic") && names.get(1).equals(type);
                if (plain || dynamic) {
                    out.add(nested);
                }
            }
        }
        return out;
    }

    static boolean isDynamic(HCLBlock block) {
        return block.blockNames.size() == 2 && block.blockNames.get(0).equals("dynamic");
    }

    /** The {@code content} of a dynamic block, or the block itself. */
    static Symbol content(HCLBlock block) {
        if (!isDynamic(block)) {
            return block;
        }
        return nested(block, "content").stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("dynamic \"" + block.blockNames.get(1) + "\" has no content block"));
    }

    /** The value of an attribute that is one string literal. */
    static Optional<String> literalString(HCLAttribute attribute) {
        List<Symbol> children = children(attribute);
        if (children.size() == 1 && children.get(0) instanceof HCLValue value && "string".equals(value.type)) {
            return Optional.of(String.valueOf(value.value));
        }
        return Optional.empty();
    }

    /** Every string literal anywhere in an expression. */
    static Set<String> stringLiterals(Symbol expression) {
        Set<String> out = new java.util.LinkedHashSet<>();
        walk(expression, symbol -> {
            if (symbol instanceof HCLValue value && "string".equals(value.type)) {
                out.add(String.valueOf(value.value));
            }
        });
        return out;
    }

    /** Every traversal in a symbol's subtree (function names are not traversals). */
    static List<Reference> references(Symbol symbol) {
        List<Reference> out = new ArrayList<>();
        references(symbol, Set.of(), List.of(), out);
        return out;
    }

    private static void references(Symbol symbol, Set<String> forVariables, List<String> dynamicLabels, List<Reference> out) {
        Set<String> bound = forVariables;
        List<String> labels = dynamicLabels;
        if (symbol instanceof ComputedTuple tuple && tuple.getVariables() != null) {
            bound = union(bound, tuple.getVariables());
        } else if (symbol instanceof ComputedObject object && object.getVariables() != null) {
            bound = union(bound, object.getVariables());
        } else if (symbol instanceof HCLBlock block && isDynamic(block)) {
            labels = new ArrayList<>(labels);
            labels.add(block.blockNames.get(1));
        }
        if (symbol instanceof VariableTree tree && children(tree).stream().noneMatch(c -> c instanceof Function)) {
            List<String> path = new ArrayList<>();
            for (Symbol part : children(tree)) {
                if (part instanceof Variable) {
                    path.add(part.getName());
                } else if (!(part instanceof HCLArray)) {
                    break; // an index [0] or splat [*] is an HCLArray; anything else ends the traversal
                }
            }
            out.add(new Reference(path, tree.getLine() + 1, bound, labels));
        }
        for (Symbol child : children(symbol)) {
            references(child, bound, labels, out);
        }
    }

    private static Set<String> union(Set<String> names, List<Variable> variables) {
        Set<String> out = new java.util.HashSet<>(names);
        variables.forEach(v -> out.add(v.getName()));
        return out;
    }

    static void walk(Symbol symbol, java.util.function.Consumer<Symbol> visitor) {
        visitor.accept(symbol);
        for (Symbol child : children(symbol)) {
            walk(child, visitor);
        }
    }

    static List<Symbol> children(Symbol symbol) {
        List<Symbol> children = symbol.getChildren();
        return children == null ? List.of() : children;
    }
}
