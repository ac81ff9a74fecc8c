package io.memreason.cli;

import io.memreason.config.MemreasonConfig;
import io.memreason.reasoning.Reasoner;
import io.memreason.training.DefaultModel;
import io.memreason.training.atlas.AtlasDataset;
import io.memreason.training.atlas.AtlasQuestion;
import io.memreason.training.atlas.RepairBenchmark;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code memreason bench repair}: the default model answers atlas questions; a wrong answer's first wrong step is
 * corrected from the atlas truth and the model continues from it; right answers get a false step that looks right
 * (the control). Prints one JSON line ({@link RepairBenchmark}).
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = "Does correcting the first wrong step repair the answer? The default model on its atlas world: "
        + "answers that become right after a correction of a wrong memory or reason step, and (the control) right "
        + "answers a false step that looks right breaks. Prints one JSON line.")
final class BenchRepairCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Option(names = "--split", defaultValue = "test", split = ",",
      description = "The atlas questions to ask, one or more of train, test, heldout, heldout_test (comma-separated). "
          + "Default: ${DEFAULT-VALUE}.")
  List<String> splits;

  @Option(names = "--examples", defaultValue = "0",
      description = "Cases of each outcome to show with their texts. Default: ${DEFAULT-VALUE}.")
  int examples;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the control's replacements. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--timeout-s", defaultValue = "1800", description = "Give up after this long. Default: ${DEFAULT-VALUE}.")
  long timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load();
    if (c.model().dir().isPresent()) {
      throw new IllegalArgumentException("bench repair corrects steps from the truth of the default model's atlas"
          + " world: leave model.dir empty (it is " + c.model().dir().get() + ")");
    }
    AtlasDataset dataset = DefaultModel.defaultRecipe().dataset();
    List<AtlasQuestion> questions = new ArrayList<>();
    for (String name : splits) {
      questions.addAll(dataset.questions(split(name)));
    }
    try (Reasoner reasoner = ReasonerFactory.create(c, new SimpleMeterRegistry())) {
      RepairBenchmark benchmark = new RepairBenchmark(reasoner, dataset.world(), new RepairBenchmark.Settings(
          c.engine().maxNewTokens(), Duration.ofSeconds(timeoutSeconds), seed, examples));
      spec.commandLine().getOut().println(benchmark.run(String.join(",", splits), questions).json());
    }
    return 0;
  }

  private static AtlasDataset.Split split(String name) {
    return Arrays.stream(AtlasDataset.Split.values()).filter(s -> s.label().equals(name.strip())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("--split: no atlas question set '" + name + "'; the sets are "
            + Arrays.stream(AtlasDataset.Split.values()).map(AtlasDataset.Split::label)
            .collect(Collectors.joining(", "))));
  }
}
