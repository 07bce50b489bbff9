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
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("org.fleetproxy.proxy.ProxyLauncher");
    cmd.add("--conf");
    cmd.add(conf.toString());
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
