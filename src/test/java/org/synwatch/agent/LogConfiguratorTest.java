package org.synwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Diagnostics go to stderr, one line each in the documented form, at the level the cli chose. */
class LogConfiguratorTest {
    private static String logged(String level) {
        PrintStream stderr = System.err;
        String previousLevel = System.getProperty(LogConfigurator.LEVEL_PROPERTY);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            System.setProperty(LogConfigurator.LEVEL_PROPERTY, level);
            LogConfigurator configurator = new LogConfigurator();
            configurator.setContext(context);
            assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, configurator.configure(context));
            context.getLogger("org.synwatch.agent.Agent").debug("detail {}", 1);
            context.getLogger("org.synwatch.agent.Agent").warn("something {}", "odd");
        } finally {
            context.stop();
            System.setErr(stderr);
            if (previousLevel == null) {
                System.clearProperty(LogConfigurator.LEVEL_PROPERTY);
            } else {
                System.setProperty(LogConfigurator.LEVEL_PROPERTY, previousLevel);
            }
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void infoLevelPrintsWarningsOnlyInTheDocumentedForm() {
        String text = logged("INFO");
        assertTrue(text.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  Agent: something odd\\R"), text);
    }

    @Test
    void debugLevelPrintsDebugLines() {
        String text = logged("DEBUG");
        assertTrue(text.contains(" DEBUG Agent: detail 1"), text);
        assertTrue(text.contains(" WARN  Agent: something odd"), text);
    }

    @Test
    void anOperatorsConfigurationFileWins() {
        System.setProperty("logback.configurationFile", "/etc/synwatch/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            LogConfigurator configurator = new LogConfigurator();
            configurator.setContext(context);
            assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, configurator.configure(context));
            assertFalse(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext());
        } finally {
            System.clearProperty("logback.configurationFile");
        }
    }
}
