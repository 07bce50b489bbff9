package org.fleetproxy.proxy.route;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RequestPathTest {

  @ParameterizedTest
  @CsvSource({
      "/api/x?y=1,          /api/x?y=1",
      "/api/../secret,      /secret",
      "/api/./x,            /api/x",
      "/api/x/.,            /api/x/",
      "/api/x/..,           /api/",
      "/api/%2e%2e/secret,  /secret",
      "/api/%2E%2e/secret,  /secret",
      "/api/.%2e/secret,    /secret",
      "/api/%2e./secret,    /secret",
      "/api/%2e/x,          /api/x",
      "/a/b/../../c,        /c",
      "/api/x?q=/../..,     /api/x?q=/../..",
      "/file.tar.gz,        /file.tar.gz",
      "/a/...,              /a/...",
      "/a/%20b,             /a/%20b",
  })
  void dotSegmentsAreRemoved(String in, String out) {
    assertEquals(out, RequestPath.normalize(in));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/..", "/../x", "/api/../../x", "/%2e%2e/x", "/api/..%2fsecret", "/api/..%2Fsecret",
      "/api/%2e%2e%5csecret", "/api/..\\secret", "/api/..;/secret", "/api/.;x/y"})
  void whatCannotBeNormalisedSafelyIsRefused(String in) {
    assertNull(RequestPath.normalize(in), in);
  }
}
