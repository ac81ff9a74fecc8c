package io.memreason.llm.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.llm.GoldenCase;
import io.memreason.llm.LanguageModel;
import io.memreason.llm.LanguageModel.LoadOptions;
import io.memreason.llm.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;
  static LanguageModel model;

  @BeforeAll
  static void loadTinyModel() {
    model = TinyModels.load(TinyModels.write(dir.resolve("tiny")), 256);
  }

  @AfterAll
  static void closeModel() {
    model.close();
  }

  private static GenerationRequest request(String id, String prompt, SamplingParams sampling, int maxNew) {
    return GenerationRequest.ofText(id, prompt, model.tokenizer(), sampling, maxNew);
  }

  private static int[] generateAlone(GenerationRequest r) throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(1, 4, 4, 256))) {
      RecordingListener l = new RecordingListener();
      assertTrue(g.submit(r, l, WAIT));
      return l.await().tokens();
    }
  }

  @Test
  void greedyGenerationReproducesTheReferenceContinuationThroughTheScheduler() throws Exception {
    Path golden = Path.of(System.getProperty("memreason.shared"), "golden", "llama-basic");
    GoldenCase c = GoldenCase.read(golden);
    try (LanguageModel reference = LanguageModel.load(golden, LoadOptions.cpu(64));
         Generator g = new Generator(reference, new GeneratorSettings(2, 2, 2, 64))) {
      List<RecordingListener> listeners = new ArrayList<>();
      int[][] prompts = c.unpaddedGenerationPrompts();
      for (int b = 0; b < prompts.length; b++) {
        RecordingListener l = new RecordingListener();
        listeners.add(l);
        assertTrue(g.submit(new GenerationRequest("row" + b, prompts[b], SamplingParams.greedy(), 16), l, WAIT));
      }
      for (int b = 0; b < prompts.length; b++) {
        Completion done = listeners.get(b).await();
        assertEquals(FinishReason.MAX_NEW_TOKENS, done.reason());
        assertArrayEquals(c.newTokens("")[b], done.tokens(), "row " + b);
        assertArrayEquals(done.tokens(), listeners.get(b).tokenArray());
      }
    }
  }

  @Test
  void seededSamplingReplaysTheSameTokensWhateverElseIsInTheBatch() throws Exception {
    SamplingParams sampling = new SamplingParams(0.9f, 0.95f, 50, 1234L);
    int[] alone = generateAlone(request("alone", "Question: why?\n ", sampling, 40));
    try (Generator g = new Generator(model, new GeneratorSettings(1, 4, 8, 256))) {
      List<RecordingListener> others = new ArrayList<>();
      // Others join before and after, with their own lengths, so the batch changes around the request.
      for (int i = 0; i < 3; i++) {
        RecordingListener l = new RecordingListener();
        others.add(l);
        g.submit(request("before" + i, "other prompt " + i, new SamplingParams(1f, 1f, 0, i), 5 + 7 * i), l, WAIT);
      }
      RecordingListener mine = new RecordingListener();
      g.submit(request("mine", "Question: why?\n ", sampling, 40), mine, WAIT);
      assertTrue(others.get(0).firstToken.await(30, TimeUnit.SECONDS));
      for (int i = 0; i < 3; i++) {
        RecordingListener l = new RecordingListener();
        others.add(l);
        g.submit(request("after" + i, "a longer different prompt " + i, SamplingParams.greedy(), 3 + i), l, WAIT);
      }
      assertArrayEquals(alone, mine.await().tokens());
      for (RecordingListener l : others) {
        assertEquals(FinishReason.MAX_NEW_TOKENS, l.await().reason());
      }
    }
    assertFalse(Arrays.equals(alone, generateAlone(request("other-seed", "Question: why?\n ",
        new SamplingParams(0.9f, 0.95f, 50, 99L), 40))), "another seed should draw other tokens");
  }

  @Test
  void moreRequestsThanSlotsAllFinishWithTheirOwnLimits() throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(2, 3, 20, 256))) {
      List<RecordingListener> listeners = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        RecordingListener l = new RecordingListener();
        listeners.add(l);
        assertTrue(g.submit(request("r" + i, "prompt number " + i, SamplingParams.greedy(), 1 + i % 9), l, WAIT));
      }
      for (int i = 0; i < 20; i++) {
        Completion c = listeners.get(i).await();
        assertEquals(FinishReason.MAX_NEW_TOKENS, c.reason(), "request " + i);
        assertEquals(1 + i % 9, c.generatedTokens());
      }
      assertEquals(0, g.liveRequests());
      assertEquals(20, g.stats().finished());
    }
  }

  @Test
  void streamedTextPiecesAddUpToTheDecodedGeneration() throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(1, 2, 2, 256))) {
      RecordingListener l = new RecordingListener();
      g.submit(request("text", "héllo wörld ", new SamplingParams(1.5f, 1f, 0, 5L), 60), l, WAIT);
      Completion c = l.await();
      String decoded = model.tokenizer().decode(c.tokens());
      assertEquals(decoded, c.text());
      assertEquals(decoded, l.text.toString());
    }
  }

  @Test
  void sequenceReachingTheLengthLimitStopsWithMaxLength() throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(1, 2, 2, 24))) {
      RecordingListener l = new RecordingListener();
      int[] prompt = new int[20];
      Arrays.fill(prompt, 40);
      g.submit(new GenerationRequest("long", prompt, SamplingParams.greedy(), 100), l, WAIT);
      Completion c = l.await();
      assertEquals(FinishReason.MAX_LENGTH, c.reason());
      assertEquals(4, c.generatedTokens());
      assertThrows(IllegalArgumentException.class,
          () -> g.submit(new GenerationRequest("too-long", new int[24], SamplingParams.greedy(), 1), l, WAIT));
    }
  }

  @Test
  void anEndOfSequenceTokenStopsTheSequence() throws Exception {
    int[] greedy = generateAlone(request("probe", "stop here", SamplingParams.greedy(), 10));
    // The latest token that does not occur earlier: declared as EOS, generation must stop right there.
    int stop = 0;
    for (int k = 0; k < greedy.length; k++) {
      int token = greedy[k];
      if (Arrays.stream(greedy, 0, k).noneMatch(t -> t == token)) {
        stop = k;
      }
    }
    Path withEos = dir.resolve("eos");
    TinyModels.write(withEos);
    Files.writeString(withEos.resolve("generation_config.json"),
        "{\"eos_token_id\": [" + greedy[stop] + "], \"do_sample\": false}");
    try (LanguageModel m = TinyModels.load(withEos, 64);
         Generator g = new Generator(m, new GeneratorSettings(1, 2, 2, 64))) {
      RecordingListener l = new RecordingListener();
      g.submit(GenerationRequest.ofText("eos", "stop here", m.tokenizer(), SamplingParams.greedy(), 50), l, WAIT);
      Completion c = l.await();
      assertEquals(FinishReason.EOS, c.reason());
      assertArrayEquals(Arrays.copyOf(greedy, stop + 1), c.tokens());
    }
  }

  @Test
  void fullQueueMakesSubmitWaitAndGiveUp() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (Generator g = new Generator(model, new GeneratorSettings(1, 1, 1, 256))) {
      // The running request holds the only worker inside its first token's callback, so it cannot finish (a
      // fast machine would otherwise reach EOS and free the queue before the third submit).
      RecordingListener running = new RecordingListener() {
        @Override
        public void onToken(int tokenId, String newText) {
          super.onToken(tokenId, newText);
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      };
      try {
        g.submit(request("running", "busy", SamplingParams.greedy(), 240), running, WAIT);
        assertTrue(running.firstToken.await(30, TimeUnit.SECONDS));
        assertTrue(g.submit(request("queued", "waits", SamplingParams.greedy(), 2), new RecordingListener(), WAIT));
        long start = System.nanoTime();
        assertFalse(g.submit(request("rejected", "no room", SamplingParams.greedy(), 2), new RecordingListener(),
            Duration.ofMillis(50)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
        assertTrue(g.cancel("running"));
        assertTrue(g.cancel("queued"));
      } finally {
        release.countDown(); // before close(), which waits for the worker
      }
    }
  }

  @Test
  void cancelledRequestsHearNothingMoreAndOthersContinue() throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(1, 2, 4, 256))) {
      RecordingListener cancelled = new RecordingListener();
      RecordingListener kept = new RecordingListener();
      g.submit(request("cancel-me", "first", SamplingParams.greedy(), 200), cancelled, WAIT);
      g.submit(request("keep-me", "second", SamplingParams.greedy(), 30), kept, WAIT);
      assertTrue(cancelled.firstToken.await(30, TimeUnit.SECONDS));
      assertTrue(g.cancel("cancel-me"));
      int seen = cancelled.tokenArray().length;
      assertEquals(30, kept.await().generatedTokens());
      assertEquals(seen, cancelled.tokenArray().length, "no token after cancel returned");
      assertFalse(cancelled.completion.isDone());
      assertFalse(g.cancel("cancel-me"));
      assertFalse(g.cancel("unknown"));
    }
  }

  @Test
  void aFailingListenerFailsOnlyItsOwnRequest() throws Exception {
    try (Generator g = new Generator(model, new GeneratorSettings(1, 2, 4, 256))) {
      RecordingListener failing = new RecordingListener() {
        @Override
        public synchronized void onToken(int tokenId, String newText) {
          throw new IllegalStateException("listener broke");
        }
      };
      RecordingListener fine = new RecordingListener();
      g.submit(request("failing", "one", SamplingParams.greedy(), 10), failing, WAIT);
      g.submit(request("fine", "two", SamplingParams.greedy(), 10), fine, WAIT);
      Completion f = failing.await();
      assertEquals(FinishReason.FAILED, f.reason());
      assertEquals("listener broke", f.error().orElseThrow().getMessage());
      assertEquals(FinishReason.MAX_NEW_TOKENS, fine.await().reason());
    }
  }

  @Test
  void closingFailsQueuedAndRunningRequests() throws Exception {
    Generator g = new Generator(model, new GeneratorSettings(1, 1, 4, 256));
    RecordingListener running = new RecordingListener();
    RecordingListener queued = new RecordingListener();
    g.submit(request("running", "long", SamplingParams.greedy(), 240), running, WAIT);
    g.submit(request("queued", "later", SamplingParams.greedy(), 5), queued, WAIT);
    assertTrue(running.firstToken.await(30, TimeUnit.SECONDS));
    g.close();
    assertEquals(FinishReason.FAILED, running.await().reason());
    assertEquals(FinishReason.FAILED, queued.await().reason());
    assertInstanceOf(IllegalStateException.class, queued.await().error().orElseThrow());
    assertThrows(IllegalStateException.class, () -> g.submit(request("late", "x", SamplingParams.greedy(), 1),
        new RecordingListener(), WAIT));
    assertEquals(model.nativeArrayCount(), g.stats().liveArrays(), "workers released their caches");
  }
}
