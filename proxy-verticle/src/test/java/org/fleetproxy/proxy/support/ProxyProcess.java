package org.fleetproxy.proxy.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The proxy in a JVM of its own, started from the test classpath, for tests that need its own
 * heap limit or a real process. Stopped by its PID, never by name.
 */
public final class ProxyProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private ProxyProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static ProxyProcess start(Path conf, int port, List<String> jvmArgs) throws Exception {
    return start(port, jvmArgs, List.of("--conf", conf.toString()));
  }

  /** Starts {@code ProxyLauncher args} and waits until {@code port} accepts connections. */
  public static ProxyProcess start(int port, List<String> jvmArgs, List<String> args) throws Exception {
    List<String> cmd = command(jvmArgs, args);
    Path log = Files.createTempFile("proxy-process", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ProxyProcess pp = new ProxyProcess(p, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("proxy exited: " + pp.output());
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return pp;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    pp.close();
    throw new IllegalStateException("proxy did not listen on " + port + ": " + pp.output());
  }

  private static List<String> command(List<String> jvmArgs, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.fleetproxy.proxy.ProxyLauncher");
    cmd.addAll(args);
    return cmd;
  }

  /** What a finished command printed, and its exit code. */
  public record Outcome(int exit, String stdout, String stderr) {
  }

  /** Runs {@code ProxyLauncher args} to its end (the {@code ctl} command), within {@code seconds}. */
  public static Outcome run(List<String> args, int seconds) throws Exception {
    return run(List.of(), args, seconds);
  }

  /** As {@link #run(List, int)}, in a JVM given {@code jvmArgs} as well. */
  public static Outcome run(List<String> jvmArgs, List<String> args, int seconds) throws Exception {
    Path out = Files.createTempFile("proxy-run", ".out");
    Path err = Files.createTempFile("proxy-run", ".err");
    List<String> jvm = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-Xmx128m"));
    jvm.addAll(jvmArgs);
    try {
      Process p = new ProcessBuilder(command(jvm, args))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(args + " did not finish in " + seconds + " s: " + Files.readString(err));
      }
      return new Outcome(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** SIGTERM to this process; completes with its exit code, or -1 if it is still running after {@code seconds}. */
  public int terminate(int seconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  /** SIGKILL to this process. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public boolean alive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }
}
