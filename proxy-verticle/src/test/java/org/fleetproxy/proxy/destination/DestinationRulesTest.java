package org.fleetproxy.proxy.destination;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.ingress.Rejection;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

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

  @Test
  void builtInDenyCoversLoopbackLinkLocalAndUnspecifiedInBothFamilies() throws Exception {
    DestinationRules r = rules("forward: { enabled: true }\n");
    for (String a : List.of("127.0.0.1", "127.9.9.9", "::1", "169.254.169.254", "fe80::1", "0.0.0.0", "0.1.2.3",
        "::", "::ffff:127.0.0.1", "::ffff:169.254.169.254")) {
      assertEquals(DestinationRules.DENIED, reason(r, a, 80), a);
    }
    for (String a : List.of("10.0.0.1", "192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7")) {
      assertNull(reason(r, a, 80), a);
    }
  }

  @Test
  void configuredDenyAddsToTheBuiltInAndAllowWinsOverBoth() throws Exception {
    DestinationRules r = rules("forward: { deny: [\"10.0.0.0/8\", \"2001:db8::/32\"],"
        + " allow: [\"10.1.0.0/16\", \"127.0.0.1/32\"] }\n");
    assertEquals(DestinationRules.DENIED, reason(r, "10.2.3.4", 80));
    assertEquals(DestinationRules.DENIED, reason(r, "2001:db8::5", 80));
    assertEquals(DestinationRules.DENIED, reason(r, "127.0.0.2", 80));
    assertNull(reason(r, "10.1.2.3", 80));
    assertNull(reason(r, "::ffff:10.1.2.3", 80));
    assertNull(reason(r, "127.0.0.1", 80));
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
    assertNull(reason(r, "192.0.2.7", 3128), "not an address of this host");
  }

  @Test
  void cidrParsingIsStrictAndMappedFormsAreIpv4() {
    assertEquals("10.0.0.0/8", Cidr.parse("10.0.0.0/8").toString());
    assertEquals("127.0.0.0/8", Cidr.parse("::ffff:127.0.0.0/104").toString());
    assertEquals("192.0.2.1/32", Cidr.parse("192.0.2.1").toString());
    assertTrue(Cidr.parse("fe80::/10").contains(addr("febf::1")));
    assertFalse(Cidr.parse("fe80::/10").contains(addr("fec0::1")));
    for (String bad : List.of("10.0.0.1/8", "10.0.0.0/33", "::/129", "example.com/8", "10.0.0.0/x", "10.0.0/8", "")) {
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
