package io.memreason.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.memreason.interop.torch.StorageType;
import io.memreason.interop.torch.TorchArchives;
import io.memreason.interop.torch.TorchFile;
import io.memreason.interop.torch.TorchTensor;
import io.memreason.llm.CheckpointException;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.adapter.StepTokenWeights;
import io.memreason.llm.safetensors.Dtype;
import io.memreason.llm.safetensors.SafetensorsCheckpoint;
import io.memreason.llm.safetensors.SafetensorsWriter;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.reasoning.TraceParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other layouts the reference's code and PEFT write, made from the seed checkpoint without Python, each checked
 * against the same expected.json (the model is the same): the newer adapter_model.safetensors, the first checkpoint of
 * a run (no embedding layers in the adapter), the run folder's final model, a checkpoint without prompt_text.json,
 * the older {@code <rag_i>} names; and the refusals: a wrong base, folders that are not lora+prompt-tuning runs of
 * the memory/reason method.
 */
class ReferenceImportVariantsTest {
  private static final Path CASE = Path.of(System.getProperty("memreason.shared", "../shared"), "reference-runs",
      "seed-checkpoint");
  private static final String LORA_ONLY = ".lora_";

  @TempDir
  Path dir;

  @Test
  void theNewerSafetensorsAdapterImportsAlike() throws IOException {
    ReferenceRunCase c = copyOfCase();
    Path checkpoint = c.checkpoint();
    SafetensorsWriter writer = new SafetensorsWriter();
    try (TorchFile bin = TorchFile.open(checkpoint.resolve("adapter_model.bin"))) {
      // PEFT writes tied tensors as separate copies into safetensors, as here.
      bin.stateDict().forEach((name, t) -> writer.addFloats(name, t.shape(), bin.floats(t), Dtype.F32));
    }
    writer.write(checkpoint.resolve("adapter_model.safetensors"));
    Files.delete(checkpoint.resolve("adapter_model.bin"));

    Path out = ReferenceRunCheck.importWithCommand(c.importArguments(), c.base(), dir.resolve("imported"));
    assertTrue(Files.readString(out.resolve(ReferenceImport.RECORD_FILE)).contains("\"adapter_model.safetensors\""));
    ReferenceRunCheck.check(c, out);
  }

  @Test
  void theFirstCheckpointOfARunHasNoEmbeddingLayersInItsAdapterAndTakesTheRowsFromThePtFiles() throws IOException {
    ReferenceRunCase c = copyOfCase();
    Path bin = c.checkpoint().resolve("adapter_model.bin");
    writeStateDict(bin, name -> name.contains(LORA_ONLY));

    ReferenceImport.Result result = ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()),
        c.base(), dir.resolve("imported"));
    assertFalse(result.embeddingLayersInAdapter());
    assertTrue(result.summary().contains("rows with their output bias from input/output_embeddings.pt"),
        result.summary());
    ReferenceRunCheck.check(c, result.out());
  }

  @Test
  void theAdaptersEmbeddingLayersWinOverThePtFilesAsPeftLoadsThemLast() throws IOException {
    ReferenceRunCase c = copyOfCase();
    Path input = c.checkpoint().resolve("input_embeddings.pt");
    TorchArchives.Tensor zeros = TorchArchives.Tensor.of(StorageType.FLOAT, "0", 18, 64);
    Files.delete(input);
    TorchArchives.write(input, "input_embeddings", TorchArchives.module("torch.nn.modules.sparse", "Embedding", zeros,
        null), Map.of("0", new byte[18 * 64 * 4]));

    Path out = ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()), c.base(),
        dir.resolve("imported")).out();
    ReferenceRunCheck.check(c, out);

    // Without them the .pt file's rows are the step tokens' rows.
    writeStateDict(c.checkpoint().resolve("adapter_model.bin"), name -> name.contains(LORA_ONLY));
    Path fromPt = ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()), c.base(),
        dir.resolve("from-pt")).out();
    try (NDManager m = NDManager.newBaseManager()) {
      StepTokenWeights rows = StepTokenWeights.read(fromPt, 64, m);
      assertEquals(0f, rows.newIn().abs().max().getFloat());
    }
  }

  @Test
  void theRunFolderItselfHoldsTheFinalModel() {
    ReferenceRunCase c = ReferenceRunCase.read(CASE);
    Path out = ReferenceRunCheck.importWithCommand(List.of("--run", CASE.resolve("run").toString()), c.base(),
        dir.resolve("imported"));
    ReferenceRunCheck.check(c, out);
  }

  @Test
  void aCheckpointWithoutPromptTextTakesTheGroupsFromItsTokenizer() throws IOException {
    ReferenceRunCase c = ReferenceRunCase.read(CASE);
    Path lone = copyTree(c.checkpoint(), dir.resolve("lone").resolve("checkpoint-80"));
    ReferenceImport.Result result = ReferenceImport.run(ReferenceCheckpoint.locate(lone, Optional.empty()), c.base(),
        dir.resolve("imported"));
    assertTrue(result.groupsFrom().startsWith("the tokenizer's added tokens"), result.groupsFrom());
    ReferenceRunCheck.check(c, result.out());
  }

  @Test
  void theOlderRagNamesOfTheMemoryGroupReadAsMemorySteps() throws IOException {
    ReferenceRunCase c = copyOfCase();
    Path promptText = c.dir().resolve("run").resolve(ReferenceCheckpoint.PROMPT_TEXT);
    Files.writeString(promptText, Files.readString(promptText).replace("\"memory\"", "\"rag\"")
        .replace("<memory_", "<rag_"));
    Path tokenizer = c.checkpoint().resolve("tokenizer.json");
    Files.writeString(tokenizer, Files.readString(tokenizer).replace("<memory_", "<rag_"));

    Path out = ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()), c.base(),
        dir.resolve("imported")).out();
    ReferenceRunCase.Item item = c.teacherForced().orElseThrow();
    String text = item.text().replace("<memory_", "<rag_");
    try (LanguageModel lm = LanguageModel.load(c.base(), LoadOptions.cpu(256).withAdapter(out, LoraMode.MERGED))) {
      assertEquals("rag", lm.stepTokens().orElseThrow().tokens().get(14).substring(1, 4));
      int[] ids = lm.tokenizer().encode(text);
      assertArrayEquals(java.util.Arrays.copyOf(item.inputIds(), item.inputIds().length - 1), ids);
      String decoded = lm.tokenizer().decode(item.inputIds());
      assertEquals(item.decoded().orElseThrow().replace("<memory_", "<rag_"), decoded);
      TraceParser parser = TraceParser.forFullText();
      List<StepText> steps = new ArrayList<>(parser.accept(decoded));
      parser.finish().lastStep().ifPresent(steps::add);
      assertEquals(List.of(StepKind.MEMORY, StepKind.MEMORY, StepKind.REASON, StepKind.ANSWER),
          steps.stream().map(StepText::kind).toList());
      assertEquals("Tony Bennett had four children.", steps.get(0).text());
    }
  }

  @Test
  void aBaseOtherThanTheOneTheRunWasTrainedOnIsRefused() throws IOException {
    ReferenceRunCase c = ReferenceRunCase.read(CASE);
    Path otherBase = copyTree(c.base(), dir.resolve("other-base"));
    SafetensorsWriter writer = new SafetensorsWriter();
    try (SafetensorsCheckpoint tensors = SafetensorsCheckpoint.openFolder(c.base())) {
      for (String name : tensors.names()) {
        long[] shape = tensors.shape(name);
        float[] values = tensors.floats(name, 0, (int) java.util.Arrays.stream(shape).reduce(1, Math::multiplyExact));
        if (name.equals("model.embed_tokens.weight")) {
          values[34 * 64 + 5] += 0.5f; // a row the check samples
        }
        writer.addFloats(name, shape, values, Dtype.F32);
      }
    }
    writer.write(otherBase.resolve("model.safetensors"));
    CheckpointException e = assertThrows(CheckpointException.class, () -> ReferenceImport.run(
        ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()), otherBase, dir.resolve("imported")));
    assertTrue(e.getMessage().contains("original_embedding.weight differs from the base's model.embed_tokens.weight "
        + "(row 34, column 5"), e.getMessage());
    assertTrue(e.getMessage().contains("the run was trained on another base model than " + otherBase), e.getMessage());
    assertFalse(Files.exists(dir.resolve("imported")), "nothing is left behind");
  }

  @Test
  void foldersThatAreNotLoraPromptTuningRunsOfTheMethodAreRefusedClearly() throws IOException {
    ReferenceRunCase c = copyOfCase();
    Path run = c.dir().resolve("run");
    CheckpointException e = assertThrows(CheckpointException.class,
        () -> ReferenceCheckpoint.locate(run, Optional.empty()));
    assertTrue(e.getMessage().contains("holds no final model (adapter_config.json): training did not finish there; "
        + "pick one of its checkpoints with --checkpoint, or name its folder (it has checkpoint-80)"), e.getMessage());
    e = assertThrows(CheckpointException.class, () -> ReferenceCheckpoint.locate(run, Optional.of("checkpoint-7")));
    assertTrue(e.getMessage().contains("no checkpoint checkpoint-7 in " + run + " (it has checkpoint-80)"),
        e.getMessage());

    Path promptText = run.resolve(ReferenceCheckpoint.PROMPT_TEXT);
    String groups = Files.readString(promptText);
    Files.writeString(promptText, "{\"prefix\": \" <prefix_0> <prefix_1>\", \"answer\": \" <answer_0>\", "
        + "\"assignment\": \" <assignment_0>\"}");
    e = assertThrows(CheckpointException.class, () -> ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(),
        Optional.empty()), c.base(), dir.resolve("a")));
    assertTrue(e.getMessage().contains("has the token groups [prefix, answer, assignment], not [prefix, answer, "
        + "assignment, reason, memory]: the run was not trained with --extract_step_type_tokens memory"), e.getMessage());
    Files.writeString(promptText, groups);

    Path taken = Files.createDirectories(dir.resolve("taken-dir"));
    Files.writeString(taken.resolve("notes.txt"), "mine");
    e = assertThrows(CheckpointException.class, () -> ReferenceImport.run(ReferenceCheckpoint.locate(c.checkpoint(),
        Optional.empty()), c.base(), taken));
    assertTrue(e.getMessage().contains("already exists and is not empty"), e.getMessage());

    Files.delete(c.checkpoint().resolve("adapter_config.json"));
    e = assertThrows(CheckpointException.class, () -> ReferenceCheckpoint.locate(c.checkpoint(), Optional.empty()));
    assertTrue(e.getMessage().contains("a run trained with --parameter_efficient_mode prompt-tuning (no LoRA), which "
        + "memreason does not import"), e.getMessage());

    Path plain = Files.createDirectories(dir.resolve("plain"));
    assertFalse(ReferenceCheckpoint.isReferenceLayout(plain));
    assertTrue(ReferenceCheckpoint.isReferenceLayout(run));
    assertTrue(ReferenceCheckpoint.isReferenceLayout(c.checkpoint()));
  }

  /** The case with its run reduced to prompt_text.json and a writable copy of checkpoint-80. */
  private ReferenceRunCase copyOfCase() throws IOException {
    Path copy = dir.resolve("case");
    Files.createDirectories(copy.resolve("run"));
    Files.copy(CASE.resolve("expected.json"), copy.resolve("expected.json"));
    copyTree(CASE.resolve("base"), copy.resolve("base"));
    Files.copy(CASE.resolve("run").resolve(ReferenceCheckpoint.PROMPT_TEXT),
        copy.resolve("run").resolve(ReferenceCheckpoint.PROMPT_TEXT));
    copyTree(CASE.resolve("run").resolve("checkpoint-80"), copy.resolve("run").resolve("checkpoint-80"));
    return ReferenceRunCase.read(copy);
  }

  /** Rewrites a torch.save state dict keeping only some of its tensors, as float32 storages of their own. */
  private static void writeStateDict(Path bin, java.util.function.Predicate<String> keep) throws IOException {
    Map<String, TorchArchives.Tensor> tensors = new LinkedHashMap<>();
    Map<String, byte[]> storages = new LinkedHashMap<>();
    try (TorchFile torch = TorchFile.open(bin)) {
      for (Map.Entry<String, TorchTensor> e : torch.stateDict().entrySet()) {
        if (keep.test(e.getKey())) {
          String key = String.valueOf(storages.size());
          tensors.put(e.getKey(), TorchArchives.Tensor.of(StorageType.FLOAT, key, e.getValue().shape()));
          storages.put(key, TorchArchives.f32(torch.floats(e.getValue())));
        }
      }
    }
    Files.delete(bin);
    TorchArchives.write(bin, "adapter_model", TorchArchives.stateDict(tensors), storages);
  }

  private static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.write(target, Files.readAllBytes(p));
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return to;
  }
}
