package io.memreason.pipeline;

/**
 * A pipeline's shutdown without wasted generation: once started, its processors hand no new question to the model
 * (each stays in the pending store, and whichever instance owns its partition next answers it) while the questions
 * already with the model are finished and published.
 */
final class Drain {
  private volatile boolean started;

  void start() {
    started = true;
  }

  boolean started() {
    return started;
  }
}
