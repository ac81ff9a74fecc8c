package io.memreason.deploy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The repository's files as the deployment tests read them: texts, YAML documents, JSON, and the pom's values. */
final class Repository {
  /** The Maven base directory, which Surefire makes the working directory. */
  static final Path ROOT = Path.of("").toAbsolutePath();

  private Repository() {}

  static Path path(String relative) {
    Path p = ROOT.resolve(relative);
    if (!Files.exists(p)) {
      throw new IllegalStateException(relative + " does not exist under " + ROOT);
    }
    return p;
  }

  static String text(String relative) {
    try {
      return Files.readString(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every regular file under a folder of the repository, sorted. */
  static List<Path> files(String folder) {
    try (Stream<Path> s = Files.walk(path(folder))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The documents of a (multi-document) YAML text, empty documents left out. */
  static List<Object> yamlDocuments(String text, String label) {
    List<Object> docs = new ArrayList<>();
    for (Object doc : new Load(LoadSettings.builder().setLabel(label).build()).loadAllFromString(text)) {
      if (doc != null) {
        docs.add(doc);
      }
    }
    return docs;
  }

  /** A single-document YAML file as a map. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> yaml(String relative) {
    List<Object> docs = yamlDocuments(text(relative), relative);
    if (docs.size() != 1 || !(docs.get(0) instanceof Map)) {
      throw new IllegalStateException(relative + " should hold one YAML mapping, not " + docs.size() + " documents");
    }
    return (Map<String, Object>) docs.get(0);
  }

  static JsonObject json(String relative) {
    return JsonParser.parseString(text(relative)).getAsJsonObject();
  }

  /** The project version without -SNAPSHOT: the version part of every image tag. */
  static String releaseVersion() {
    return pomElement("version").replace("-SNAPSHOT", "");
  }

  /** A property of the pom's properties section, e.g. kafka.version. */
  static String pomProperty(String name) {
    Element properties = (Element) pom().getDocumentElement().getElementsByTagName("properties").item(0);
    return properties.getElementsByTagName(name).item(0).getTextContent().trim();
  }

  private static String pomElement(String name) {
    for (var n = pom().getDocumentElement().getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return e.getTextContent().trim();
      }
    }
    throw new IllegalStateException("pom.xml has no <" + name + ">");
  }

  private static Document pom() {
    try {
      return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(path("pom.xml").toFile());
    } catch (Exception e) {
      throw new IllegalStateException("cannot read pom.xml: " + e.getMessage(), e);
    }
  }
}
