package org.fleetproxy.proxy.deploy;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.FileSystems;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar deploy/pom.xml shades, which every deploy file runs with java -jar, starts at the
 * launcher and carries the native TLS library. The built jar itself is checked in the deploy
 * module, once it exists (its ProxyJarTest).
 */
class ShadedJarTest {

  /** Where netty-tcnative looks for BoringSSL inside its jar, and so inside the shaded one. */
  static final String NATIVE_TLS = "META-INF/native/libnetty_tcnative_linux_x86_64.so";

  @Test
  void theJarsMainClassExists() throws Exception {
    String mainClass = DeployFiles.shadePluginValue("mainClass");
    assertEquals("org.fleetproxy.proxy.ProxyLauncher", mainClass);
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), "public static main");
  }

  @Test
  void theNativeTlsLibraryIsADependencyTheShadeFiltersKeep() {
    assertNotNull(ShadedJarTest.class.getClassLoader().getResource(NATIVE_TLS), NATIVE_TLS + " is on the classpath");
    for (String exclude : DeployFiles.shadePluginValues("exclude")) {
      assertFalse(FileSystems.getDefault().getPathMatcher("glob:" + exclude).matches(Path.of(NATIVE_TLS)),
          "the shade filter " + exclude + " drops " + NATIVE_TLS);
    }
  }
}
