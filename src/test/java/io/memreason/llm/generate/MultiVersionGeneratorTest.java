package io.memreason.llm.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.ModelAdapter;
import io.memreason.llm.TinyModels;
import io.memreason.llm.adapter.LoraTarget;
import io.memreason.llm.adapter.StepTokenVocabulary;
import io.memreason.llm.model.LlamaConfig;
import io.memreason.llm.random.RandomAdapters;
import io.memreason.llm.weights.WeightLoader.LoraMode;
import io.memreason.reasoning.StepTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions over one base through the {@link Generator}'s own door, {@link Generator#submit}: requests of three
 * versions (LoRA on different targets and ranks) submitted together share the running batches, and each gets the
 * tokens its version generates when it is served alone the usual way (LoRA merged into a copy of the weights). A version dropped by its owner while one of
 * its requests runs finishes that request unchanged, is freed when it ends, and takes no new request.
 */
class MultiVersionGeneratorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final StepTokenVocabulary STEPS = StepTokens.of(1, 2).vocabulary();
  private static final int NEW_TOKENS = 24;

  @TempDir
  static Path dir;
  static Path base;
  static List<Path> versions;
  static int vocabulary;

  @BeforeAll
  static void writeBaseAndVersions() {
    base = TinyModels.write(dir.resolve("base"));
    LlamaConfig config = LlamaConfig.read(base);
    vocabulary = config.vocabSize();
    versions = List.of(
        version(config, "attn", EnumSet.of(LoraTarget.Q, LoraTarget.V), 4, 21),
        version(config, "mlp", EnumSet.of(LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), 8, 22),
        version(config, "all", EnumSet.allOf(LoraTarget.class), 2, 23));
  }

  private static Path version(LlamaConfig config, String name, Set<LoraTarget> targets, int rank, long seed) {
    Path folder = dir.resolve(name);
    try (NDManager m = NDManager.newBaseManager()) {
      RandomAdapters.lora(config, targets, rank, 2.0 * rank, seed, 0.3, m).write(folder, "tiny");
      RandomAdapters.stepTokens(STEPS, config.hiddenSize(), seed + 100, 0.05, m).write(folder);
    }
    return folder;
  }

  /** A request of row {@code row}: greedy for even rows, seeded sampling for odd ones; step-token ids in the prompt. */
  private static GenerationRequest request(int row, Optional<ModelAdapter> version) {
    int[] prompt = {1, 30 + row, vocabulary + row % 4, 77, 200 + 3 * row};
    SamplingParams sampling = row % 2 == 0 ? SamplingParams.greedy() : new SamplingParams(0.9f, 0.95f, 40, 500L + row);
    return new GenerationRequest("row" + row, prompt, sampling, NEW_TOKENS, version);
  }

  @Test
  void requestsOfSeveralVersionsSubmittedTogetherEachGetTheTokensOfTheirVersionServedAlone() throws Exception {
    // Rows 0..7 over the versions 0, 1, 2, interleaved (versions sharing a batch share their step tokens).
    int[] versionOfRow = {0, 1, 2, 2, 1, 0, 0, 2};
    int[][] alone = new int[versionOfRow.length][];
    for (int row = 0; row < versionOfRow.length; row++) {
      int v = versionOfRow[row];
      LoadOptions options = LoadOptions.cpu(64).withAdapter(versions.get(v), LoraMode.MERGED);
      try (LanguageModel merged = LanguageModel.load(base, options);
           Generator g = new Generator(merged, new GeneratorSettings(1, 1, 1, 64))) {
        RecordingListener l = new RecordingListener();
        assertTrue(g.submit(request(row, Optional.empty()), l, WAIT));
        alone[row] = l.await().tokens();
      }
    }

    AtomicInteger widest = new AtomicInteger();
    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(64))) {
      List<ModelAdapter> loaded = new ArrayList<>();
      versions.forEach(f -> loaded.add(shared.adapt(Optional.of(f))));
      try (Generator g = new Generator(shared, new GeneratorSettings(1, 8, 8, 64))) {
        g.observeDecodeSteps(batch -> widest.accumulateAndGet(batch, Math::max));
        List<RecordingListener> listeners = new ArrayList<>();
        for (int row = 0; row < versionOfRow.length; row++) {
          int v = versionOfRow[row];
          RecordingListener l = new RecordingListener();
          listeners.add(l);
          assertTrue(g.submit(request(row, Optional.of(loaded.get(v))), l, WAIT));
        }
        for (int row = 0; row < versionOfRow.length; row++) {
          Completion c = listeners.get(row).await();
          assertEquals(FinishReason.MAX_NEW_TOKENS, c.reason(), "row " + row + ": " + c.error());
          assertArrayEquals(alone[row], c.tokens(), "row " + row + " (version " + versionOfRow[row]
              + ") against its version served alone");
        }
        assertEquals(0, g.liveRequests());
      }
      loaded.forEach(ModelAdapter::close);
    }
    // Submitted within microseconds of each other, the rows decode together: versions mixed in one batch.
    assertTrue(widest.get() >= 4, "the widest decode batch had " + widest.get() + " rows");
  }

  @Test
  void aVersionDroppedWhileItsRequestRunsFinishesItAndIsFreedWhenItEnds() throws Exception {
    int[] undisturbed;
    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(128));
         ModelAdapter attn = shared.adapt(Optional.of(versions.get(0)));
         Generator g = new Generator(shared, new GeneratorSettings(1, 4, 4, 128))) {
      RecordingListener l = new RecordingListener();
      assertTrue(g.submit(longRequest("alone", attn), l, WAIT));
      undisturbed = l.await().tokens();
    }

    try (LanguageModel shared = LanguageModel.loadBase(base, LoadOptions.cpu(128));
         Generator g = new Generator(shared, new GeneratorSettings(1, 4, 4, 128))) {
      ModelAdapter dropped = shared.adapt(Optional.of(versions.get(0)));
      ModelAdapter cancelled = shared.adapt(Optional.of(versions.get(1)));
      try (ModelAdapter other = shared.adapt(Optional.of(versions.get(2)))) {
        // The running request's listener holds the worker on its first token until the owners have let go.
        CountDownLatch proceed = new CountDownLatch(1);
        RecordingListener running = new RecordingListener() {
          @Override
          public void onToken(int tokenId, String newText) {
            super.onToken(tokenId, newText);
            try {
              proceed.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
        RecordingListener toCancel = new RecordingListener();
        assertTrue(g.submit(longRequest("running", dropped), running, WAIT));
        assertTrue(g.submit(longRequest("to-cancel", cancelled), toCancel, WAIT));
        assertTrue(running.firstToken.await(30, TimeUnit.SECONDS), "the request is running");

        // The owners let go while the requests are live: the weights stay while a request reads them.
        dropped.close();
        cancelled.close();
        assertFalse(dropped.isFreed(), "a version whose request runs stays loaded");
        assertThrows(IllegalStateException.class, () -> g.submit(longRequest("late", dropped), new RecordingListener(),
            WAIT), "a dropped version takes no new request");
        assertTrue(g.cancel("to-cancel"));
        // Another version's request queues meanwhile; it joins the running batch and ends long before the dropped
        // version's 100 tokens: dropping a version pauses no one.
        RecordingListener meanwhile = new RecordingListener();
        assertTrue(g.submit(request(7, Optional.of(other)), meanwhile, WAIT));
        proceed.countDown();
        assertEquals(FinishReason.MAX_NEW_TOKENS, meanwhile.await().reason());
        assertFalse(running.completion.isDone(), "the dropped version's request still runs");
        assertFalse(dropped.isFreed(), "a version whose request runs stays loaded");

        Completion done = running.await();
        assertEquals(FinishReason.MAX_NEW_TOKENS, done.reason());
        assertArrayEquals(undisturbed, done.tokens(), "the dropped version's request finished as if nothing happened");
        // Freed once its last request let go: the version is gone for good.
        awaitFreed(dropped);
        awaitFreed(cancelled);
        assertEquals(0, g.liveRequests());
        // The base and the other version serve on.
        RecordingListener after = new RecordingListener();
        assertTrue(g.submit(request(5, Optional.of(other)), after, WAIT));
        assertEquals(FinishReason.MAX_NEW_TOKENS, after.await().reason());
      }
    }
  }

  private static GenerationRequest longRequest(String id, ModelAdapter version) {
    return new GenerationRequest(id, new int[] {1, 44, vocabulary + 1, 9}, SamplingParams.greedy(), 100,
        Optional.of(version));
  }

  /** A running request's release is on the worker's thread, so wait for it. */
  private static void awaitFreed(ModelAdapter version) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!version.isFreed()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(version + " is still held after its last request ended");
      }
      Thread.sleep(10);
    }
  }
}
