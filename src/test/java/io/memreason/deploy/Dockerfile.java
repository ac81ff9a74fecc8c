package io.memreason.deploy;

import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker/Dockerfile read as its stages and instructions (continuation lines joined, comments dropped), with the
 * chain of stages each flavour's final image is built from.
 */
final class Dockerfile {
  static final String PATH = "docker/Dockerfile";
  static final List<String> FLAVOURS = List.of("cpu", "gpu");
  private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:\\\\.|[^\"\\\\])*)\"|\\S*)");
  private static final Pattern FROM = Pattern.compile("(?i)(\\S+)(?:\\s+AS\\s+(\\S+))?");

  record Instruction(String keyword, String arguments) {}

  record Stage(String name, String base, List<Instruction> instructions) {}

  private final Map<String, String> globalArgs = new LinkedHashMap<>();
  private final List<Stage> stages = new ArrayList<>();

  private Dockerfile(String text) {
    for (String line : text.replace("\\\n", " ").split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] parts = l.split("\\s+", 2);
      Instruction in = new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : "");
      if (in.keyword().equals("FROM")) {
        Matcher m = FROM.matcher(in.arguments());
        if (!m.matches()) {
          throw new AssertionError("unreadable FROM: " + l);
        }
        stages.add(new Stage(m.group(2), m.group(1), new ArrayList<>()));
      } else if (stages.isEmpty()) {
        if (in.keyword().equals("ARG")) {
          String[] kv = in.arguments().split("=", 2);
          globalArgs.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
      } else {
        stages.get(stages.size() - 1).instructions().add(in);
      }
    }
  }

  static Dockerfile read() {
    return new Dockerfile(Repository.text(PATH));
  }

  /** The value of an ARG declared before the first stage. */
  String globalArg(String name) {
    String v = globalArgs.get(name);
    if (v == null) {
      throw new AssertionError(PATH + " declares no ARG " + name + " before its first FROM");
    }
    return v;
  }

  Stage stage(String name) {
    return stages.stream().filter(s -> name.equals(s.name())).findFirst()
        .orElseThrow(() -> new AssertionError(PATH + " has no stage " + name));
  }

  /** The instructions that make a flavour's image: its base stages' first, the final stage's last. */
  List<Instruction> image(String flavour) {
    List<Instruction> out = new ArrayList<>();
    Optional<Stage> stage = Optional.of(stages.get(stages.size() - 1));
    while (stage.isPresent()) {
      out.addAll(0, stage.get().instructions());
      String base = stage.get().base().replace("${FLAVOR}", flavour);
      stage = stages.stream().filter(s -> base.equals(s.name())).findFirst();
    }
    return out;
  }

  /** The image's environment (ENV instructions of the chain; a later value wins). */
  Map<String, String> environment(String flavour) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Instruction in : image(flavour)) {
      if (in.keyword().equals("ENV")) {
        Matcher m = ENV_PAIR.matcher(in.arguments());
        while (m.find()) {
          env.put(m.group(1), m.group(3) != null ? m.group(3) : m.group(2));
        }
      }
    }
    return env;
  }

  /** The arguments of the last instruction of a kind in a flavour's image, e.g. USER or EXPOSE. */
  String last(String flavour, String keyword) {
    List<Instruction> all = image(flavour).stream().filter(i -> i.keyword().equals(keyword)).toList();
    if (all.isEmpty()) {
      throw new AssertionError(PATH + " (" + flavour + ") has no " + keyword);
    }
    return all.get(all.size() - 1).arguments();
  }

  /** An exec-form (JSON array) argument list, such as ENTRYPOINT's or CMD's. */
  static List<String> execForm(String arguments) {
    List<String> out = new ArrayList<>();
    JsonParser.parseString(arguments).getAsJsonArray().forEach(e -> out.add(e.getAsString()));
    return out;
  }
}
