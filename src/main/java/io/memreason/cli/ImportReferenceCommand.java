package io.memreason.cli;

import io.memreason.interop.ReferenceCheckpoint;
import io.memreason.interop.ReferenceImport;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code memreason import-reference}: a checkpoint of the paper's reference implementation as a memreason adapter. */
@Command(name = "import-reference", mixinStandardHelpOptions = true,
    description = {"Writes memreason's adapter layout (PEFT adapter_config.json + adapter_model.safetensors, "
        + "step_tokens.json + step_tokens.safetensors, the tokenizer files) from a run of the reference implementation "
        + "(MingyuJ666/Disentangling-Memory-and-Reasoning): its prompt_text.json, the checkpoint's adapter "
        + "(adapter_model.bin or .safetensors), input_embeddings.pt and output_embeddings.pt, read without running any "
        + "pickled code.",
        "Then: memreason eval --model BASE --adapter OUT, or serve with model.dir=BASE and model.adapter=OUT."})
final class ImportReferenceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--run", required = true, paramLabel = "RUN_DIR",
      description = "The run's output_dir (it holds prompt_text.json and checkpoint-N folders), or a checkpoint folder.")
  Path run;

  @Option(names = "--checkpoint", paramLabel = "checkpoint-N",
      description = "Which checkpoint of the run. Default: the final model saved in RUN_DIR itself.")
  String checkpoint;

  @Option(names = "--base", required = true, paramLabel = "BASE",
      description = "The Hugging Face folder of the base model the run was trained on.")
  Path base;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new folder for the adapter.")
  Path out;

  @Override
  public Integer call() {
    ReferenceImport.Result result = ReferenceImport.run(ReferenceCheckpoint.locate(run, Optional.ofNullable(checkpoint)),
        base, out);
    spec.commandLine().getOut().println(result.summary());
    return 0;
  }
}
