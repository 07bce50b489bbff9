package org.fleetproxy.proxy.deploy;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jar deploy/pom.xml shades, which every deploy file runs with java -jar, starts at the launcher. */
class ShadedJarTest {

  @Test
  void theJarsMainClassExists() throws Exception {
    String mainClass = DeployFiles.shadePluginValue("mainClass");
    assertEquals("org.fleetproxy.proxy.ProxyLauncher", mainClass);
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    assertTrue(Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(main.getModifiers()), "public static main");
  }
}
