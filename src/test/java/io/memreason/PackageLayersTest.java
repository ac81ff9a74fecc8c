package io.memreason;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import io.memreason.cli.Main;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * memreason's packages form layers (architecture.md): each may use only the ones below it, and no two depend on each
 * other. The order, bottom to top, is the list below; a new package takes its place in it.
 */
class PackageLayersTest {
  /** Bottom first. The generated Avro classes ({@code avro}) and the Hub client ({@code hub}) depend on nothing of ours. */
  static final List<String> LAYERS = List.of("avro", "hub", "config", "kafka", "llm", "reasoning", "training",
      "interop", "pipeline", "registry", "feedback", "web", "console", "demo", "failover", "cli");

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() throws URISyntaxException {
    // Only the main classes' own folder (or jar): scanning every library on the class path would take seconds.
    Path mainClasses = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    classes = new ClassFileImporter().importPath(mainClasses);
  }

  @Test
  void noPackageDependsOnOneAboveIt() {
    LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (String name : LAYERS) {
      layers = layers.layer(name).definedBy("io.memreason." + name + "..");
    }
    for (int i = 0; i < LAYERS.size() - 1; i++) {
      String[] above = LAYERS.subList(i + 1, LAYERS.size()).toArray(String[]::new);
      layers = layers.whereLayer(LAYERS.get(i)).mayOnlyBeAccessedByLayers(above);
    }
    layers.whereLayer("cli").mayNotBeAccessedByAnyLayer().check(classes);
  }

  @Test
  void noTwoPackagesDependOnEachOther() {
    slices().matching("io.memreason.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void everyPackageHasItsPlaceInTheLayers() {
    Set<String> unplaced = classes.stream().map(c -> c.getPackageName().split("\\.")[2]).distinct()
        .filter(top -> !LAYERS.contains(top)).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(Set.of(), unplaced, "add each new package to LAYERS, above what it uses");
  }
}
