package io.memreason.llm;

/**
 * The system properties DJL reads once, when its first class loads: offline (no model zoo, no downloads),
 * no telemetry (otherwise every engine start calls the EC2 metadata address), PyTorch as the engine (the
 * tokenizers jar registers a second one), and how many threads torch may use.
 */
public final class DjlEnvironment {
  private DjlEnvironment() {}

  /**
   * Sets the properties unless already given with -D. Call before any DJL class is used.
   *
   * @param torchThreads intra-op threads of torch: 1 when parallelism comes from one model replica per Java
   *     worker thread (serving), more when a single thread does large operations (training)
   */
  public static void configure(int torchThreads) {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
    setIfAbsent("ai.djl.default_engine", "PyTorch");
    setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(torchThreads));
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
