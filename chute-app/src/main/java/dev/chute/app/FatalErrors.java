package dev.chute.app;

/**
 * In {@code chute up}: an error of the JVM itself (OutOfMemoryError, StackOverflowError) that
 * escapes a thread ends the process instead of leaving it half-alive with that thread gone. The
 * launcher's {@code -XX:+ExitOnOutOfMemoryError} does the same for every OutOfMemoryError, also one
 * caught by a library; this covers JVMs started without it. The next start heals what was in
 * flight: a load either committed with its ledger entries or not at all.
 */
final class FatalErrors {
    /** The exit status of a process ended by such an error (the JVM's own for ExitOnOutOfMemoryError). */
    static final int STATUS = 3;

    private FatalErrors() {
    }

    static void haltOnUncaughtVmError() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof VirtualMachineError) {
                try {
                    System.err.println("chute: " + error + " in thread " + thread.getName() + "; stopping (the next start resumes loading)");
                } finally {
                    Runtime.getRuntime().halt(STATUS);
                }
            }
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace();
            }
        });
    }
}
