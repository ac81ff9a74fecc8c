package io.memreason.cli;

import io.memreason.hub.HubModelId;
import io.memreason.hub.ModelLocation;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code memreason fetch-model}: a Hub model into the local cache, ahead of serving it. */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
    description = {"Downloads what serving needs of a model on the Hugging Face Hub (config, tokenizer, safetensors "
        + "weights; never pickles) into huggingface_hub's cache (hub.home/hub, HF_HOME), resuming an interrupted "
        + "download, and prints the snapshot folder as its last line. Files already there are not downloaded again.",
        "Gated or private models need HF_TOKEN (or a saved login in hub.home/token)."})
final class FetchModelCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ConfigOptions config;

  @Parameters(index = "0", paramLabel = "hf:ORG/NAME[@REVISION]", converter = ModelLocationConverter.class,
      description = "The model: a repository on the Hub, at a branch, tag or commit (default main).")
  ModelLocation model;

  @Override
  public Integer call() {
    if (!(model instanceof HubModelId)) {
      throw new ParameterException(spec.commandLine(), "fetch-model takes a model on the Hub, hf:ORG/NAME[@REVISION], "
          + "not the folder " + model);
    }
    Path snapshot = ReasonerFactory.models(config.load()).folder(model);
    spec.commandLine().getOut().println(snapshot);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
