package io.memreason.cli;

import com.google.gson.Gson;
import io.memreason.config.MemreasonConfig;
import io.memreason.training.DefaultModel;
import io.memreason.training.TrainingProgress;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason bootstrap}: builds the default model (a tiny Llama trained from scratch on the atlas world). */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
    description = {"Trains memreason's default model from scratch on the atlas world (a few minutes on two cores) "
        + "into model.cache-dir, evaluates it on atlas questions it never saw, and prints the report as one JSON "
        + "line. serve/demo use it when model.dir is empty.",
        "An existing model of the same recipe is reused unless --force is given."})
final class BootstrapCommand implements Callable<Integer>, TrainsModels {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Option(names = "--force", description = "Build again even if the cache has this model.")
  boolean force;

  @Option(names = "--torch-threads", defaultValue = "1",
      description = "Torch's intra-op threads; the tiny model's ops are too small for two. Default: ${DEFAULT-VALUE}.")
  int torchThreads;

  @Override
  public int torchThreads() {
    return torchThreads;
  }

  @Override
  public Integer call() throws Exception {
    MemreasonConfig c = config.load();
    DefaultModel.Recipe recipe = DefaultModel.defaultRecipe();
    try (TrainingProgress progress = TrainingProgress.forConsole(System.err, Duration.ofSeconds(15))) {
      DefaultModel.Report report = force || !DefaultModel.isBuilt(c.model().cacheDir(), recipe)
          ? DefaultModel.build(c.model().cacheDir(), recipe, progress).report()
          : DefaultModel.report(c.model().cacheDir(), recipe);
      spec.commandLine().getOut().println(new Gson().toJson(report));
    }
    return 0;
  }
}
