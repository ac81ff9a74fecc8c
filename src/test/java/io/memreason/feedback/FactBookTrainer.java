package io.memreason.feedback;

import io.memreason.reasoning.StepKind;
import io.memreason.reasoning.StepText;
import io.memreason.registry.ModelSource;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The trainer of the scripted stand-in model: the candidate knows what its parent knew plus every labelled trace
 * (its first memory step and its answer) and every replayed item. Two broken variants stand for runs that go wrong.
 */
final class FactBookTrainer implements CandidateTrainer {
  enum Behaviour {
    /** Learns the traces on top of what the parent knew. */
    LEARNS,
    /** Learns the traces but forgets everything the parent knew: a regression. */
    FORGETS,
    /** Fails, as a diverging run does. */
    FAILS
  }

  private final Behaviour behaviour;
  final AtomicInteger runs = new AtomicInteger();
  volatile RetrainingData lastData;

  FactBookTrainer(Behaviour behaviour) {
    this.behaviour = behaviour;
  }

  @Override
  public void train(ModelSource parent, RetrainingData data, Path out) {
    runs.incrementAndGet();
    lastData = data;
    if (behaviour == Behaviour.FAILS) {
      throw new IllegalStateException("the loss is NaN: training diverged");
    }
    FactBook book = behaviour == Behaviour.FORGETS ? FactBook.empty() : FactBook.in(parent.adapter());
    for (LabelledTrace trace : data.traces()) {
      book = book.with(trace.question(), new FactBook.Fact(firstMemory(trace.steps()), trace.answer()));
    }
    for (var item : data.replay()) {
      book = book.with(item.question(), new FactBook.Fact(item.cotSteps().get(0), item.answer()));
    }
    book.writeTo(out);
  }

  private static String firstMemory(List<StepText> steps) {
    return steps.stream().filter(s -> s.kind() == StepKind.MEMORY).map(StepText::text).findFirst().orElse("");
  }
}
