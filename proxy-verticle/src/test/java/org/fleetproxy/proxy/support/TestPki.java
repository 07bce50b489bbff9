package org.fleetproxy.proxy.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test with the {@code openssl} command, and server
 * certificates it signs: nothing secret is kept in the repository. Keys are EC P-256 in PKCS#8 PEM.
 */
public final class TestPki {

  private final Path dir;
  private final Path caCert;
  private final Path caKey;
  private int serial = 1;

  /** A key and certificate chain in PEM files. */
  public record Pair(Path cert, Path key) {
  }

  private TestPki(Path dir, String name) throws Exception {
    this.dir = dir;
    this.caCert = dir.resolve(name + "-ca.pem");
    this.caKey = dir.resolve(name + "-ca.key");
    genKey(caKey);
    openssl("req", "-new", "-x509", "-key", caKey.toString(), "-out", caCert.toString(), "-days", "2",
        "-subj", "/CN=" + name + " test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  /** A new CA whose files live in {@code dir}. */
  public static TestPki create(Path dir, String name) throws Exception {
    return new TestPki(dir, name);
  }

  public Path caCert() {
    return caCert;
  }

  /**
   * A server certificate for {@code names} (DNS names; IP literals become IP entries), signed by
   * this CA; {@code cert} holds the leaf followed by the CA (a chain, as servers send it).
   */
  public Pair server(String file, String... names) throws Exception {
    Path key = dir.resolve(file + ".key");
    Path csr = dir.resolve(file + ".csr");
    Path leaf = dir.resolve(file + ".leaf.pem");
    Path cert = dir.resolve(file + ".pem");
    Path ext = dir.resolve(file + ".ext");
    genKey(key);
    openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + names[0]);
    List<String> san = new ArrayList<>();
    for (String n : names) {
      san.add((n.matches("[0-9.]+") || n.contains(":") ? "IP:" : "DNS:") + n);
    }
    Files.writeString(ext, "subjectAltName=" + String.join(",", san) + "\nextendedKeyUsage=serverAuth\n"
        + "basicConstraints=CA:FALSE\n");
    openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
        "-set_serial", String.valueOf(++serial), "-days", "2", "-out", leaf.toString(), "-extfile", ext.toString());
    Files.writeString(cert, Files.readString(leaf) + Files.readString(caCert));
    Files.delete(csr);
    Files.delete(ext);
    Files.delete(leaf);
    return new Pair(cert, key);
  }

  private static void genKey(Path key) throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString());
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
