package io.outpost.runtime.api;

import java.nio.charset.StandardCharsets;

/**
 * What a command run with {@link ContainerRuntime#execSync} did.
 *
 * @param exitCode its exit code (0 for success)
 * @param stdout what it wrote to standard output (capped by the runtime)
 * @param stderr what it wrote to standard error (capped by the runtime)
 * @since 0.1.0
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr) {
    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout.clone();
        stderr = stderr == null ? new byte[0] : stderr.clone();
    }

    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    /** @return standard output decoded as UTF-8 (malformed bytes replaced) */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return standard error decoded as UTF-8 (malformed bytes replaced) */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ExecResult[exitCode=" + exitCode + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length
                + " bytes]";
    }
}
