package io.memreason.kafka;

import io.memreason.config.MemreasonConfig;
import io.memreason.config.MemreasonConfig.Component;
import io.memreason.pipeline.InferenceTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The least-privilege ACLs of each component, derived from what it does with the configuration's topics, groups and
 * transactional ids. {@code KafkaPrincipalsIT} runs the pipeline with exactly these; the deployment tests hold the
 * Strimzi users and the README to them.
 */
public final class ComponentAcls {
  /** One ACL line: operations on a resource (type topic, group, transactional-id, cluster), literal or by prefix. */
  public record Acl(String operations, String resourceType, boolean prefix, String name) {
    String line(String user) {
      return "allow " + user + " " + operations + " " + resourceType + " " + (prefix ? "prefix" : "literal") + " " + name;
    }
  }

  private ComponentAcls() {}

  /** Every component's ACLs. */
  public static Map<Component, List<Acl>> of(MemreasonConfig c) {
    MemreasonConfig.Topics t = c.topics();
    Map<Component, List<Acl>> acls = new TreeMap<>();
    String inference = c.kafka().applicationId();
    acls.put(Component.INFERENCE, List.of(
        new Acl("Read,Describe", "topic", false, t.questions()),
        new Acl("Write,Describe", "topic", false, t.memorySteps()),
        new Acl("Write,Describe", "topic", false, t.reasonSteps()),
        new Acl("Write,Describe", "topic", false, t.answers()),
        new Acl("Write,Describe", "topic", false, t.shadowAnswers()),
        new Acl("Write,Describe", "topic", false, t.deadLetters()),
        new Acl("Read,Describe", "topic", false, t.modelVersions()),
        // The changelog of the pending-questions store: created by Streams, read back after a crash.
        new Acl("Create,Read,Write,Describe,DescribeConfigs", "topic", false,
            inference + "-" + InferenceTopology.PENDING_STORE + "-changelog"),
        new Acl("Read,Describe", "group", false, inference),
        new Acl("Write,Describe", "transactional-id", true, inference + "-")));
    String feedback = c.feedback().applicationId();
    acls.put(Component.FEEDBACK, List.of(
        new Acl("Read,Describe", "topic", false, t.answers()),
        new Acl("Read,Describe", "topic", false, t.shadowAnswers()),
        new Acl("Read,Describe", "topic", false, t.feedback()),
        new Acl("Read,Write,Describe", "topic", false, t.trainingExamples()),
        new Acl("Write,Describe", "topic", false, t.feedbackStats()),
        new Acl("Write,Describe", "topic", false, t.deadLetters()),
        // Its stores' changelogs and the repartition topic of the accuracy aggregation (purged: Delete).
        new Acl("Create,Read,Write,Delete,Describe,DescribeConfigs", "topic", true, feedback + "-"),
        new Acl("Read,Describe", "group", false, feedback),
        new Acl("Write,Describe", "transactional-id", true, feedback + "-")));
    acls.put(Component.RETRAIN, List.of(
        new Acl("Read,Describe", "topic", false, t.trainingExamples()),
        new Acl("Write,Describe", "topic", false, t.modelVersions())));
    acls.put(Component.WEB, List.of(
        new Acl("Read,Write,Describe", "topic", false, t.questions()),
        new Acl("Read,Describe", "topic", false, t.memorySteps()),
        new Acl("Read,Describe", "topic", false, t.reasonSteps()),
        new Acl("Read,Describe", "topic", false, t.answers()),
        new Acl("Read,Describe", "topic", false, t.shadowAnswers()),
        new Acl("Read,Write,Describe", "topic", false, t.feedback()),
        new Acl("Read,Describe", "topic", false, t.feedbackStats()),
        new Acl("Read,Describe", "topic", false, t.modelVersions())));
    acls.put(Component.ASK, List.of(
        new Acl("Write,Describe", "topic", false, t.questions()),
        new Acl("Read,Describe", "topic", false, t.memorySteps()),
        new Acl("Read,Describe", "topic", false, t.reasonSteps()),
        new Acl("Read,Describe", "topic", false, t.answers())));
    return acls;
  }

  /** The access file of the secure embedded broker: a super user, a user per component with its ACLs, and extras. */
  public static String accessFile(MemreasonConfig c, Map<String, String> passwords, String superUser,
                                  List<String> usersWithoutAcls) {
    List<String> lines = new ArrayList<>();
    lines.add("user " + superUser + " " + passwords.get(superUser) + " super");
    of(c).forEach((component, acls) -> {
      lines.add("user " + component.key() + " " + passwords.get(component.key()));
      acls.forEach(a -> lines.add(a.line(component.key())));
    });
    usersWithoutAcls.forEach(u -> lines.add("user " + u + " " + passwords.get(u)));
    return String.join("\n", lines) + "\n";
  }
}
