package io.memreason.llm.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.llm.LanguageModel;
import io.memreason.llm.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of decode steps with requests joining, leaving and being cancelled: the native arrays alive
 * between steps stay exactly the weights plus the KV caches, and resident memory stays within a bound after
 * warm-up. (A full GC before each reading keeps the Java heap's touched pages from masking native growth.)
 */
class GeneratorSoakTest {
  private static final int REQUESTS = 1000;
  /** Requests before the memory baseline: JIT-compiled code and malloc arenas settle in the first ~900 steps. */
  private static final int WARM_UP = 400;
  private static final int CHECK_EVERY = 50;

  @TempDir
  Path dir;

  @Test
  void nativeMemoryStaysFlatOverThousandsOfStepsWithChangingBatches() throws Exception {
    try (LanguageModel model = TinyModels.load(TinyModels.write(dir), 128);
         Generator g = new Generator(model, new GeneratorSettings(2, 6, 8, 128))) {
      int steady = model.nativeArrayCount() + 2 * 2 * model.config().layers();
      SplittableRandom random = new SplittableRandom(11);
      List<RecordingListener> listeners = new ArrayList<>();
      List<Integer> arrays = new ArrayList<>();
      long baseline = 0;
      long highest = 0;
      for (int i = 0; i < REQUESTS; i++) {
        RecordingListener l = new RecordingListener();
        listeners.add(l);
        int[] prompt = random.ints(1 + random.nextInt(40), 3, 300).toArray();
        SamplingParams sampling = i % 3 == 0 ? SamplingParams.greedy() : new SamplingParams(0.8f, 0.9f, 20, i);
        assertTrue(g.submit(new GenerationRequest("r" + i, prompt, sampling, 2 + random.nextInt(30)), l,
            Duration.ofSeconds(60)));
        if (i % 7 == 3) {
          g.cancel("r" + (i - 1));
        }
        if (i % CHECK_EVERY == 0 && i >= WARM_UP) {
          arrays.add(g.stats().liveArrays());
          long rss = residentBytes();
          baseline = i == WARM_UP ? rss : baseline;
          highest = Math.max(highest, rss);
        }
      }
      for (int i = 0; i < REQUESTS; i++) {
        if (i % 7 != 2) {
          listeners.get(i).await();
        }
      }
      GeneratorStats stats = g.stats();
      highest = Math.max(highest, residentBytes());
      System.out.printf("soak: %d decode steps, %d tokens, resident memory %.1f MB after warm-up, at most %.1f MB "
          + "later; live arrays %s%n", stats.decodeSteps(), stats.decodeTokens(), baseline / 1e6, highest / 1e6, arrays);
      assertTrue(stats.decodeSteps() >= 2000, "only " + stats.decodeSteps() + " decode steps");
      for (int observed : arrays) {
        assertEquals(steady, observed, "native arrays alive between steps");
      }
      assertEquals(steady, stats.liveArrays());
      assertTrue(highest - baseline < 48_000_000L, "resident memory grew by " + (highest - baseline) + " bytes");
    }
  }

  private static long residentBytes() throws IOException {
    System.gc();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
