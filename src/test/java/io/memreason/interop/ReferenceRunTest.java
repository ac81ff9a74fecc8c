package io.memreason.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.memreason.llm.CaseFolders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reference-run case (../shared/reference-runs/* and the folders of {@code -Dmemreason.golden.dirs} that hold
 * base/, run/ and expected.json), each a test named after its folder: imported with {@code memreason
 * import-reference} exactly as a user would, then checked against what PyTorch + PEFT computed for the reference's
 * eval.py ({@link ReferenceRunCheck}).
 */
class ReferenceRunTest {
  @TempDir
  Path imports;

  @TestFactory
  Stream<DynamicNode> everyReferenceRunMatchesTheReference() {
    List<Path> cases = new ArrayList<>(CaseFolders.shared("reference-runs", CaseFolders::isReferenceRun));
    CaseFolders.listed().stream().filter(CaseFolders::isReferenceRun).forEach(cases::add);
    assertFalse(cases.isEmpty(), "no reference-run cases: is -Dmemreason.shared set?");
    return cases.stream().map(dir -> dynamicTest(dir.getFileName().toString(), () -> {
      ReferenceRunCase c = ReferenceRunCase.read(dir);
      Path out = ReferenceRunCheck.importWithCommand(c.importArguments(), c.base(), imports.resolve(c.name()));
      ReferenceRunCheck.check(c, out);
    }));
  }
}
