package org.fleetproxy.proxy.destination;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.ingress.Rejection;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestinationRulesTest {

  private static DestinationRules rules(String yaml) {
    return DestinationRules.of(ConfigLoader.parse(yaml, "test.yaml"));
  }

  private static String reason(DestinationRules rules, String address, int port) throws Exception {
    Rejection r = rules.check("t", InetAddress.getByName(address), port);
    return r == null ? null : r.reason();
  }

  /** Link-local is checked by the list itself: no test names an address outside loopback. */
  @Test
  void builtInDenyCoversLoopbackLinkLocalAndUnspecifiedInBothFamilies() throws Exception {
    assertEquals(Stream.of("127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "::/128")
        .map(Cidr::parse).toList(), DestinationRules.BUILT_IN_DENY);
    DestinationRules r = rules("forward: { enabled: true }\n");
    for (String a : List.of("127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1", "::ffff:7f00:2")) {
      assertEquals(DestinationRules.DENIED, reason(r, a, 80), a);
    }
  }

  @Test
  void configuredDenyAddsToTheBuiltInAndAllowWinsOverBoth() throws Exception {
    DestinationRules added = rules("forward: { deny: [\"127.0.5.0/24\"] }\n");
    assertEquals(DestinationRules.DENIED, reason(added, "127.9.9.9", 80), "the built-in deny stays");
    assertEquals(DestinationRules.DENIED, reason(added, "::1", 80));
    DestinationRules r = rules("forward: { deny: [\"127.0.5.0/24\"], allow: [\"127.0.0.0/16\", \"::1/128\"] }\n");
    assertNull(reason(r, "127.0.5.3", 80), "allow wins over a configured deny");
    assertNull(reason(r, "127.0.1.2", 80), "allow wins over the built-in deny");
    assertNull(reason(r, "::ffff:127.0.1.2", 80));
    assertNull(reason(r, "::1", 80));
    assertEquals(DestinationRules.DENIED, reason(r, "127.1.0.1", 80));
  }

  @Test
  void ownListenersAreRefusedWhateverAllowSays() throws Exception {
    DestinationRules r = rules("server: { host: 127.0.0.1, port: 3128 }\nadmin: { host: 127.0.0.1, port: 9090 }\n"
        + "forward: { allow: [\"0.0.0.0/0\", \"::/0\"] }\n");
    assertEquals(DestinationRules.LOOP, reason(r, "127.0.0.1", 3128));
    assertEquals(DestinationRules.LOOP, reason(r, "::ffff:127.0.0.1", 3128));
    assertEquals(DestinationRules.SELF, reason(r, "127.0.0.1", 9090));
    assertNull(reason(r, "127.0.0.2", 3128), "a listener on one address leaves the others alone");
    assertNull(reason(r, "127.0.0.1", 3129));
  }

  @Test
  void aListenerOnTheWildcardAddressIsEveryLocalAddress() throws Exception {
    DestinationRules r = rules("server: { host: 0.0.0.0, port: 3128 }\nadmin: { host: \"::\", port: 9090 }\n"
        + "forward: { users: [\"a:b\"], allow: [\"0.0.0.0/0\", \"::/0\"] }\n");
    for (String a : List.of("127.0.0.1", "127.0.0.2", "0.0.0.0", "::1")) {
      assertEquals(DestinationRules.LOOP, reason(r, a, 3128), a);
      assertEquals(DestinationRules.SELF, reason(r, a, 9090), a);
    }
  }

  @Test
  void cidrParsingIsStrictAndMappedFormsAreIpv4() {
    assertEquals("127.0.0.0/8", Cidr.parse("127.0.0.0/8").toString());
    assertEquals("127.0.0.0/8", Cidr.parse("::ffff:127.0.0.0/104").toString());
    assertEquals("127.0.0.2/32", Cidr.parse("127.0.0.2").toString());
    assertTrue(Cidr.parse("127.0.0.0/30").contains(addr("127.0.0.3")));
    assertFalse(Cidr.parse("127.0.0.0/30").contains(addr("127.0.0.4")));
    assertTrue(Cidr.parse("::/127").contains(addr("::1")));
    assertFalse(Cidr.parse("::1/128").contains(addr("::")));
    for (String bad : List.of("127.0.0.1/8", "127.0.0.0/33", "::/129", "example.com/8", "127.0.0.0/x", "127.0.0/8", "")) {
      assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
    }
  }

  private static InetAddress addr(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
