package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TorchThreadsTest {

  @Test
  void trainingCommandsChooseTorchThreadsAndEveryOtherCommandGetsOne() {
    assertEquals(Runtime.getRuntime().availableProcessors(),
        Main.torchThreads(Main.commandLine(), new String[] {"bench", "train"}));
    assertEquals(1, Main.torchThreads(Main.commandLine(), new String[] {"bootstrap"}));
    assertEquals(2, Main.torchThreads(Main.commandLine(), new String[] {"bench", "train", "--torch-threads", "2"}));
    assertEquals(3, Main.torchThreads(Main.commandLine(), new String[] {"train", "--base", "b", "--dataset", "d",
        "--task", "strategyqa", "--out", "o", "--torch-threads", "3"}));
    assertEquals(1, Main.torchThreads(Main.commandLine(), new String[] {"score", "--task", "strategyqa"}));
    assertEquals(1, Main.torchThreads(Main.commandLine(), new String[] {"no-such-command"}));
  }
}
