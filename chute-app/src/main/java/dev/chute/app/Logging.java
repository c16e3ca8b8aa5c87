package dev.chute.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chute.core.Json;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/** Logs to standard error: readable lines by default, one JSON object per line with {@code --log-format json}. */
final class Logging {
    private Logging() {
    }

    static void configure(String format, boolean verbose) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setTarget("System.err");
        if (format.equals("json")) {
            LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
            encoder.setContext(context);
            JsonLineLayout layout = new JsonLineLayout();
            layout.setContext(context);
            layout.start();
            encoder.setLayout(layout);
            encoder.start();
            appender.setEncoder(encoder);
        } else {
            PatternLayoutEncoder encoder = new PatternLayoutEncoder();
            encoder.setContext(context);
            // an exception's stack trace only under --verbose; otherwise its class and message (and its causes'), no frames
            encoder.setPattern("%d{HH:mm:ss.SSS,UTC} %-5level %msg%n" + (verbose ? "%ex" : "%ex{0}"));
            encoder.start();
            appender.setEncoder(encoder);
        }
        // chute up reports a server that cannot start itself, naming the address and the cause: Javalin's own
        // vaguer line about it would say the same failure twice
        appender.addFilter(new ch.qos.logback.core.filter.Filter<>() {
            @Override
            public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent event) {
                return event.getLoggerName().startsWith("io.javalin") && "Failed to start Javalin".equals(event.getMessage())
                        ? ch.qos.logback.core.spi.FilterReply.DENY : ch.qos.logback.core.spi.FilterReply.NEUTRAL;
            }
        });
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("dev.chute").setLevel(verbose ? Level.DEBUG : Level.INFO);
    }

    /** {@code {"time","level","logger","thread","message","error"}} on one line. */
    static final class JsonLineLayout extends LayoutBase<ILoggingEvent> {
        @Override
        public String doLayout(ILoggingEvent event) {
            ObjectNode node = Json.mapper().createObjectNode();
            node.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            node.put("level", event.getLevel().toString());
            node.put("logger", event.getLoggerName());
            node.put("thread", event.getThreadName());
            node.put("message", event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                node.put("error", ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            return node.toString() + System.lineSeparator();
        }
    }
}
