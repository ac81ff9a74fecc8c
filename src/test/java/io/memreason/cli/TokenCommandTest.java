package io.memreason.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.memreason.web.Role;
import io.memreason.web.TokenFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TokenCommandTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  @Test
  void addPrintsANewTokenOnceAndAppendsOnlyItsHash() throws Exception {
    Path file = dir.resolve("tokens");
    Run first = run("token", "add", "ana", "--roles", "label,watch", "--file", file.toString());
    assertEquals(0, first.exit(), first.err());
    String token = first.out().strip();
    assertTrue(token.matches("mr_[A-Za-z0-9_-]{43}"), token);
    Run second = run("token", "add", "bob", "--roles", "ask", "--file", file.toString());
    assertFalse(second.out().strip().equals(token), "every token is new");

    String content = Files.readString(file);
    assertFalse(content.contains(token), "the token itself is never written");
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    assertTrue(content.contains("ana " + sha + " watch,label\n"), content);
    assertEquals(List.of(new TokenFile.Entry("ana", sha, Set.of(Role.WATCH, Role.LABEL))),
        TokenFile.read(file).subList(0, 1));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void refusesANameTwiceAnUnknownRoleAndABadNameInOneLine() {
    Path file = dir.resolve("tokens");
    assertEquals(0, run("token", "add", "ana", "--roles", "watch", "--file", file.toString()).exit());
    Run twice = run("token", "add", "ana", "--roles", "ask", "--file", file.toString());
    assertEquals(1, twice.exit());
    assertEquals("memreason add: the tokens file " + file + " already has a token named ana: remove its line first"
        + " to replace it", twice.err().strip());
    Run role = run("token", "add", "bob", "--roles", "watch,admin", "--file", file.toString());
    assertEquals("memreason add: unknown role 'admin': the roles are watch, ask, label", role.err().strip());
    Run name = run("token", "add", "a b", "--roles", "watch", "--file", file.toString());
    assertEquals(1, name.exit());
    assertEquals(1, name.err().strip().lines().count());
  }
}
