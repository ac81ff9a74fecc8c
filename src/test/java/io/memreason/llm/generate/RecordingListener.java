package io.memreason.llm.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Collects one request's tokens and text pieces, and its completion. */
class RecordingListener implements TokenListener {
  final List<Integer> tokens = new ArrayList<>();
  final StringBuilder text = new StringBuilder();
  final CompletableFuture<Completion> completion = new CompletableFuture<>();
  final CountDownLatch firstToken = new CountDownLatch(1);

  @Override
  public synchronized void onToken(int tokenId, String newText) {
    tokens.add(tokenId);
    text.append(newText);
    firstToken.countDown();
  }

  @Override
  public void onFinished(Completion c) {
    completion.complete(c);
  }

  Completion await() throws Exception {
    return completion.get(60, TimeUnit.SECONDS);
  }

  synchronized int[] tokenArray() {
    return tokens.stream().mapToInt(Integer::intValue).toArray();
  }
}
