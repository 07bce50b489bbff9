package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reload requests that arrive while a reload runs share the one next reload. */
class ReloadCoalescingTest extends ProxyTestBase {

  private static final int REQUESTS = 20;
  private static final Pattern RELOADS_OK = Pattern.compile("proxy_config_reloads_total\\{result=\"ok\"} ([0-9.]+)");

  @TempDir
  Path dir;

  /** Many routes, so that reading and checking the file takes a while and the requests meet a running reload. */
  private String config(int routes) {
    StringBuilder text = new StringBuilder("server: { host: 127.0.0.1, port: " + proxyPort + ", event-loops: 2 }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\n"
        + "config: { scan-period: 0s }\nroutes:\n");
    for (int i = 0; i < routes; i++) {
      text.append(route("/r" + i + "/", "http://127.0.0.1:" + (proxyPort + 1) + "/"));
    }
    return text.toString();
  }

  @Test
  void concurrentRequestsShareReloadsAndAllSeeTheNewConfig() throws Exception {
    proxyPort = Ports.free();
    adminPort = Ports.free();
    Path file = dir.resolve("proxy.yaml");
    Files.writeString(file, config(400));
    ConfigSource source = new ConfigSource(file, ConfigOverrides.NONE);
    node = ProxyNode.start(source.load(), source, false).await(20, TimeUnit.SECONDS);
    Files.writeString(file, config(401));

    List<RawClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < REQUESTS; i++) {
        RawClient raw = new RawClient(adminPort);
        clients.add(raw);
        raw.send("POST /admin/proxy.config.reload HTTP/1.1\r\nHost: 127.0.0.1:" + adminPort
            + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
      }
      // every request is complete within a moment of the others
      for (RawClient raw : clients) {
        raw.send("{}");
      }
      for (RawClient raw : clients) {
        RawResponse r = raw.read();
        assertEquals(200, r.status(), r.bodyText());
        JsonObject answer = new JsonObject(r.bodyText());
        assertTrue(answer.getBoolean("ok"), answer.encode());
        assertEquals(node.config().hash(), answer.getJsonArray("nodes").getJsonObject(0).getString("hash"),
            "an answer from a reload that read the file before it was asked for");
      }
    } finally {
      for (RawClient raw : clients) {
        raw.close();
      }
    }
    assertEquals(401, node.config().routes().size());

    // each reload is counted before it answers; the pause lets any stray count reach the registry
    Thread.sleep(300);
    Matcher m = RELOADS_OK.matcher(adminGet(adminPort, "/metrics"));
    assertTrue(m.find());
    double reloads = Double.parseDouble(m.group(1));
    // how many requests meet a running reload depends on the machine's pace; CoalescedReloadsTest pins
    // the exact count (two) with reloads held open; one reload per request is what must never happen
    assertTrue(reloads >= 1 && reloads <= REQUESTS / 4, reloads + " reloads for " + REQUESTS + " requests");
  }
}
