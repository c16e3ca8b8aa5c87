package dev.chute.deploy;

import static dev.chute.deploy.TerraformConfig.attribute;
import static dev.chute.deploy.TerraformConfig.attributes;
import static dev.chute.deploy.TerraformConfig.references;

import com.bertramlabs.plugins.hcl4j.symbols.HCLAttribute;
import com.bertramlabs.plugins.hcl4j.symbols.HCLBlock;
import com.bertramlabs.plugins.hcl4j.symbols.Symbol;
import dev.chute.deploy.TerraformConfig.Block;
import dev.chute.deploy.TerraformConfig.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules deploy/gcp must keep, each returning the violations it finds (empty: kept), so that a
 * test can show both that the real configuration keeps them and that a broken copy is caught.
 */
final class TerraformChecks {

    /** Names usable as the first part of a traversal without a declaration. */
    private static final Set<String> BUILT_INS = Set.of("each", "count", "self", "path", "terraform");

    private TerraformChecks() {
    }

    /** Every {@code var.x} is declared, every resource/data/local/module reference resolves. */
    static List<String> unresolvedReferences(TerraformConfig config) {
        Set<String> variables = config.variableNames();
        Set<String> locals = config.locals().keySet();
        Set<String> resources = addresses(config, "resource");
        Set<String> data = addresses(config, "data");
        Set<String> modules = addresses(config, "module");
        List<String> out = new ArrayList<>();
        for (Block block : config.blocks()) {
            for (Reference ref : referencesOutsideIgnoreChanges(block.symbol())) {
                List<String> p = ref.path();
                String first = p.get(0);
                String problem = null;
                if (first.equals("var")) {
                    problem = p.size() < 2 || !variables.contains(p.get(1)) ? "undeclared variable" : null;
                } else if (first.equals("local")) {
                    problem = p.size() < 2 || !locals.contains(p.get(1)) ? "undeclared local value" : null;
                } else if (first.equals("data")) {
                    problem = p.size() < 3 || !data.contains(p.get(1) + "." + p.get(2)) ? "undeclared data source" : null;
                } else if (first.equals("module")) {
                    problem = p.size() < 2 || !modules.contains(p.get(1)) ? "undeclared module" : null;
                } else if (BUILT_INS.contains(first) || ref.forVariables().contains(first) || ref.dynamicLabels().contains(first)) {
                    problem = null;
                } else if (p.size() < 2) {
                    problem = "unknown name";
                } else {
                    problem = resources.contains(first + "." + p.get(1)) ? null : "undeclared resource";
                }
                if (problem != null) {
                    out.add(block.file().getFileName() + ":" + ref.line() + " " + problem + ": " + ref.text());
                }
            }
        }
        return out;
    }

    /** Variables declared but used nowhere outside their own declaration. */
    static Set<String> unusedVariables(TerraformConfig config) {
        Set<String> used = new HashSet<>();
        for (Block block : config.blocks()) {
            for (Reference ref : references(block.symbol())) {
                boolean own = block.kind().equals("variable") && ref.path().size() > 1 && ref.path().get(1).equals(block.labels().get(0));
                if (ref.path().size() > 1 && ref.path().get(0).equals("var") && !own) {
                    used.add(ref.path().get(1));
                }
            }
        }
        Set<String> unused = new TreeSet<>(config.variableNames());
        unused.removeAll(used);
        return unused;
    }

    /**
     * Least privilege: no authoritative IAM resource, every role a literal, nothing admin-like or
     * basic at project level, storage roles only on buckets, BigQuery data roles only on datasets.
     */
    static List<String> iamViolations(TerraformConfig config) {
        List<String> out = new ArrayList<>();
        config.blocks("resource").filter(b -> b.labels().get(0).contains("_iam_")).forEach(block -> {
            String type = block.labels().get(0);
            if (type.endsWith("_iam_binding") || type.endsWith("_iam_policy")) {
                out.add(block.where() + ": authoritative IAM (replaces grants made elsewhere); use *_iam_member");
                return;
            }
            String role = attribute(block.symbol(), "role").flatMap(TerraformConfig::literalString).orElse(null);
            if (role == null) {
                out.add(block.where() + ": role is not a literal string, so it cannot be checked");
                return;
            }
            String lower = role.toLowerCase(Locale.ROOT);
            boolean projectLevel = type.startsWith("google_project_iam") || type.startsWith("google_organization_iam")
                    || type.startsWith("google_folder_iam");
            if (projectLevel && (lower.contains("admin") || lower.equals("roles/owner") || lower.equals("roles/editor"))) {
                out.add(block.where() + ": " + role + " at project level");
            }
            if (lower.startsWith("roles/storage.") && !type.startsWith("google_storage_bucket_iam")) {
                out.add(block.where() + ": " + role + " outside a bucket (expected google_storage_bucket_iam_member)");
            }
            if (lower.startsWith("roles/bigquery.data") && !type.startsWith("google_bigquery_dataset_iam")
                    && !type.startsWith("google_bigquery_table_iam")) {
                out.add(block.where() + ": " + role + " outside a dataset (expected google_bigquery_dataset_iam_member)");
            }
            if (type.startsWith("google_storage_bucket_iam") && !refersTo(block, "bucket", "google_storage_bucket")) {
                out.add(block.where() + ": bucket grant on a bucket this configuration does not declare");
            }
            if (type.startsWith("google_bigquery_dataset_iam") && !refersTo(block, "dataset_id", "google_bigquery_dataset")) {
                out.add(block.where() + ": dataset grant on a dataset this configuration does not declare");
            }
        });
        return out;
    }

    /** The (resource type, role) of every IAM grant, e.g. {@code google_project_iam_member roles/bigquery.jobUser}. */
    static Set<String> grants(TerraformConfig config) {
        Set<String> out = new TreeSet<>();
        config.blocks("resource").filter(b -> b.labels().get(0).contains("_iam_"))
                .forEach(b -> attribute(b.symbol(), "role").flatMap(TerraformConfig::literalString)
                        .ifPresent(role -> out.add(b.labels().get(0) + " " + role)));
        return out;
    }

    /**
     * Resources of the given types exist only in the given mode: their {@code count} must lead
     * (through local values) to {@code var.deploy_mode} and to the mode's name as a literal.
     */
    static List<String> gatingViolations(TerraformConfig config, String mode, Set<String> types) {
        List<String> out = new ArrayList<>();
        for (String type : types) {
            List<Block> blocks = config.resources(type).toList();
            if (blocks.isEmpty()) {
                out.add("no resource of type " + type);
            }
            out.addAll(gatingViolations(config, mode, blocks));
        }
        return out;
    }

    /** As {@link #gatingViolations(TerraformConfig, String, Set)}, for given blocks. */
    static List<String> gatingViolations(TerraformConfig config, String mode, List<Block> blocks) {
        List<String> out = new ArrayList<>();
        for (Block block : blocks) {
            HCLAttribute count = attribute(block.symbol(), "count").orElse(null);
            if (count == null) {
                out.add(block.where() + ": no count, so it exists in every deploy_mode");
                continue;
            }
            Set<String> reached = new TreeSet<>();
            Set<String> literals = new TreeSet<>();
            follow(config, count, reached, literals, new HashSet<>());
            if (!reached.contains("var.deploy_mode") || !literals.contains(mode)) {
                out.add(block.where() + ": count is not gated by deploy_mode == \"" + mode + "\" (reaches " + reached + ", literals " + literals + ")");
            }
        }
        return out;
    }

    /** Collects the variables and string literals an expression depends on, through local values. */
    static void follow(TerraformConfig config, Symbol expression, Set<String> variables, Set<String> literals, Set<String> visited) {
        literals.addAll(TerraformConfig.stringLiterals(expression));
        for (Reference ref : references(expression)) {
            List<String> p = ref.path();
            if (p.size() < 2) {
                continue;
            }
            if (p.get(0).equals("var")) {
                variables.add("var." + p.get(1));
            } else if (p.get(0).equals("local") && visited.add(p.get(1))) {
                HCLAttribute local = config.locals().get(p.get(1));
                if (local != null) {
                    follow(config, local, variables, literals, visited);
                }
            }
        }
    }

    /**
     * Whether an attribute of a (possibly dynamic) nested block is driven by a variable: it names
     * one, or it is the dynamic block's iterator whose {@code for_each} names one.
     */
    static boolean drivenByVariable(TerraformConfig config, HCLBlock nested, Symbol attributeOwner, String attributeName) {
        HCLAttribute value = attribute(attributeOwner, attributeName).orElse(null);
        if (value == null) {
            return false;
        }
        Set<String> variables = new TreeSet<>();
        follow(config, value, variables, new TreeSet<>(), new HashSet<>());
        if (!variables.isEmpty()) {
            return true;
        }
        if (TerraformConfig.isDynamic(nested)) {
            String iterator = nested.blockNames.get(1);
            boolean usesIterator = references(value).stream().anyMatch(r -> r.path().get(0).equals(iterator));
            HCLAttribute forEach = attribute(nested, "for_each").orElse(null);
            if (usesIterator && forEach != null) {
                Set<String> forEachVariables = new TreeSet<>();
                follow(config, forEach, forEachVariables, new TreeSet<>(), new HashSet<>());
                return !forEachVariables.isEmpty();
            }
        }
        return false;
    }

    private static boolean refersTo(Block block, String attributeName, String type) {
        return attribute(block.symbol(), attributeName).stream()
                .flatMap(a -> references(a).stream())
                .anyMatch(r -> r.path().get(0).equals(type));
    }

    private static Set<String> addresses(TerraformConfig config, String kind) {
        Set<String> out = new HashSet<>();
        config.blocks(kind).forEach(b -> out.add(b.address()));
        return out;
    }

    /** {@code lifecycle { ignore_changes = [schema] }} names the resource's own attributes, not references. */
    private static List<Reference> referencesOutsideIgnoreChanges(Symbol block) {
        List<Reference> out = new ArrayList<>();
        for (Symbol child : TerraformConfig.children(block)) {
            if (child instanceof HCLBlock nested && nested.blockNames.equals(List.of("lifecycle"))) {
                attributes(nested).forEach((name, attribute) -> {
                    if (!name.equals("ignore_changes") && !name.equals("replace_triggered_by")) {
                        out.addAll(references(attribute));
                    }
                });
                for (Symbol inner : TerraformConfig.children(nested)) {
                    if (inner instanceof HCLBlock) {
                        out.addAll(references(inner));
                    }
                }
            } else {
                out.addAll(references(child));
            }
        }
        return out;
    }

    static String literal(Block block, String attributeName) {
        return attribute(block.symbol(), attributeName).flatMap(TerraformConfig::literalString).orElse(null);
    }

    static String literal(Symbol symbol, String attributeName) {
        return attribute(symbol, attributeName).flatMap(TerraformConfig::literalString).orElse(null);
    }
}
