package org.fleetproxy.proxy.deploy;

import com.hazelcast.config.Config;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the deploy tests share: where the files are, how to walk their YAML, the facts deploy/pom.xml
 * fixes (jar name, main class, version), and how the proxy and Hazelcast read a config.
 */
final class DeployFiles {

  /** Tests run in proxy-verticle/, one level below the project root. */
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final Path K8S = DEPLOY.resolve("k8s");

  /** Where the image and the systemd unit install the jar, and the config they start it with. */
  static final String INSTALL_DIR = "/opt/fleetproxy/";
  static final String INSTALLED_CONF = "/etc/fleetproxy/proxy.yaml";

  /** Sample values for the shell and Kubernetes variables in --set values. */
  private static final Map<String, String> SAMPLES = Map.of("port", "3128", "admin", "9090", "i", "1",
      "POD_NAME", "fleetproxy-5d8f7c9b4-x2k8q");
  /** $name, ${name} (shell) and $(NAME) (Kubernetes). */
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\(?([A-Za-z_][A-Za-z0-9_]*)\\)?}?");

  private DeployFiles() {
  }

  // ---------------------------------------------------------------- YAML

  static Object yaml(String text) {
    return safeYaml().load(text);
  }

  /** The documents of a multi-document file, empty ones (a trailing ---) left out. */
  static List<Map<String, Object>> yamlAll(String text) {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : safeYaml().loadAll(text)) {
      if (doc != null) {
        docs.add(map(doc));
      }
    }
    return docs;
  }

  /** Plain data only, as the proxy reads its own config: no tags that build Java objects. */
  private static Yaml safeYaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertTrue(o instanceof Map, "expected a mapping, got " + o);
    return (Map<String, Object>) o;
  }

  /** A YAML sequence; a missing one reads as empty. */
  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    if (o == null) {
      return List.of();
    }
    assertTrue(o instanceof List, "expected a list, got " + o);
    return (List<Object>) o;
  }

  /** The value at a path of mapping keys, or null where the path ends early. */
  static Object at(Object o, String... path) {
    Object cur = o;
    for (String key : path) {
      if (!(cur instanceof Map<?, ?> m)) {
        return null;
      }
      cur = m.get(key);
    }
    return cur;
  }

  // ---------------------------------------------------------------- configs as the code reads them

  /** Hazelcast's own reading of a config, which is how a node loads it. */
  static Config hazelcast(String name, String text) {
    try {
      return Config.loadFromString(text);
    } catch (RuntimeException e) {
      throw new AssertionError(name + ": Hazelcast rejects it: " + e, e);
    }
  }

  /**
   * The proxy config a node started with these --set values reads; shell and pod variables in the
   * values get sample values first, as the shell or the kubelet would expand them.
   */
  static ProxyConfig parseWithSets(String text, String source, ConfigOverrides sets) {
    ConfigOverrides expanded = ConfigOverrides.NONE;
    for (Map.Entry<String, String> set : sets.values().entrySet()) {
      Matcher m = VARIABLE.matcher(set.getValue());
      StringBuilder value = new StringBuilder();
      while (m.find()) {
        String sample = SAMPLES.get(m.group(1));
        assertNotNull(sample, "no sample value for " + m.group() + " in --set " + set.getKey() + "=" + set.getValue());
        m.appendReplacement(value, Matcher.quoteReplacement(sample));
      }
      m.appendTail(value);
      expanded = expanded.with(set.getKey() + "=" + value);
    }
    return ConfigLoader.parse(text, source + " with " + sets.values(), expanded);
  }

  // ---------------------------------------------------------------- deploy/pom.xml

  static String shadedJarName() {
    return shadePluginValue("finalName") + ".jar";
  }

  /** A value inside the maven-shade-plugin's configuration of deploy/pom.xml. */
  static String shadePluginValue(String element) {
    List<String> found = shadePluginValues(element);
    assertTrue(!found.isEmpty(), "maven-shade-plugin in deploy/pom.xml has no <" + element + ">");
    return found.get(0);
  }

  /** Every value of an element inside the maven-shade-plugin's configuration of deploy/pom.xml. */
  static List<String> shadePluginValues(String element) {
    NodeList plugins = deployPom().getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element plugin = (Element) plugins.item(i);
      if ("maven-shade-plugin".equals(childText(plugin, "artifactId"))) {
        NodeList found = plugin.getElementsByTagName(element);
        List<String> values = new ArrayList<>();
        for (int j = 0; j < found.getLength(); j++) {
          values.add(found.item(j).getTextContent().trim());
        }
        return values;
      }
    }
    throw new AssertionError("deploy/pom.xml has no maven-shade-plugin");
  }

  /** deploy's own version, else the one it inherits. */
  static String projectVersion() {
    Element project = deployPom().getDocumentElement();
    String own = childText(project, "version");
    if (own != null) {
      return own;
    }
    NodeList parents = project.getElementsByTagName("parent");
    return childText((Element) parents.item(0), "version");
  }

  private static Document deployPom() {
    try {
      return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(DEPLOY.resolve("pom.xml").toFile());
    } catch (Exception e) {
      throw new AssertionError("cannot read deploy/pom.xml: " + e, e);
    }
  }

  private static String childText(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().trim();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- command lines and ports

  /** The argument after an option, or null. */
  static String optionValue(List<String> args, String option) {
    int i = args.indexOf(option);
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
  }

  /** The ports as a set; unlike Set.of, equal ports collapse instead of throwing. */
  static Set<Integer> ports(Integer... ports) {
    return new LinkedHashSet<>(List.of(ports));
  }
}
