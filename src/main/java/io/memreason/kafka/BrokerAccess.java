package io.memreason.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may log in to the secure embedded broker and what each may do: a file of {@code user} and {@code allow} lines.
 * <pre>
 * user admin PASSWORD super                 # a super user; the broker logs in to itself as the first one
 * user inference PASSWORD
 * allow inference Read,Describe topic literal memreason.questions
 * allow inference Write,Describe transactional-id prefix memreason-
 * </pre>
 * Operations are Kafka's ACL operations (Read, Write, Create, Describe, DescribeConfigs, IdempotentWrite, All, ...),
 * resources {@code topic}, {@code group}, {@code transactional-id} or {@code cluster} (named {@code kafka-cluster}),
 * patterns {@code literal} or {@code prefix}. Blank lines and {@code #} comments are ignored.
 */
public record BrokerAccess(Map<String, String> passwords, List<String> superUsers, List<AclBinding> acls) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern CAMEL_WORD = Pattern.compile("(?<=[a-z])(?=[A-Z])");

  public BrokerAccess {
    passwords = Map.copyOf(passwords);
    superUsers = List.copyOf(superUsers);
    acls = List.copyOf(acls);
    if (superUsers.isEmpty()) {
      throw new IllegalArgumentException("the access file names no super user (user NAME PASSWORD super): the broker"
          + " logs in to itself as one");
    }
  }

  public static BrokerAccess read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the broker access file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> passwords = new LinkedHashMap<>();
    List<String> superUsers = new ArrayList<>();
    List<AclBinding> acls = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = "access file " + file + " line " + (i + 1);
      String[] f = line.split("\\s+");
      if (f[0].equals("user") && (f.length == 3 || f.length == 4 && f[3].equals("super"))) {
        if (!NAME.matcher(f[1]).matches() || passwords.containsKey(f[1])) {
          throw new IllegalArgumentException(where + ": '" + f[1] + "' is not a new user name");
        }
        passwords.put(f[1], f[2]);
        if (f.length == 4) {
          superUsers.add(f[1]);
        }
      } else if (f[0].equals("allow") && f.length == 6) {
        if (!passwords.containsKey(f[1])) {
          throw new IllegalArgumentException(where + ": user " + f[1] + " is not declared above");
        }
        acls.addAll(bindings(f, where));
      } else {
        // The line may hold a password: name its kind only.
        throw new IllegalArgumentException(where + ": expected 'user NAME PASSWORD [super]' or 'allow USER OPERATIONS"
            + " RESOURCE-TYPE literal|prefix RESOURCE-NAME'");
      }
    }
    return new BrokerAccess(passwords, superUsers, acls);
  }

  private static List<AclBinding> bindings(String[] f, String where) {
    ResourceType type = parse(ResourceType.class, f[3], where);
    PatternType pattern = switch (f[4]) {
      case "literal" -> PatternType.LITERAL;
      case "prefix", "prefixed" -> PatternType.PREFIXED;
      default -> throw new IllegalArgumentException(where + ": the pattern is literal or prefix, not " + f[4]);
    };
    List<AclBinding> out = new ArrayList<>();
    for (String operation : f[2].split(",")) {
      out.add(new AclBinding(new ResourcePattern(type, f[5], pattern), new AccessControlEntry("User:" + f[1], "*",
          parse(AclOperation.class, operation, where), AclPermissionType.ALLOW)));
    }
    return out;
  }

  /** Kafka's enum constant for {@code DescribeConfigs}, {@code transactional-id}, {@code Read}, ... */
  private static <E extends Enum<E>> E parse(Class<E> type, String name, String where) {
    String constant = CAMEL_WORD.matcher(name).replaceAll("_").replace('-', '_').toUpperCase(Locale.ROOT);
    try {
      E value = Enum.valueOf(type, constant);
      if (!value.name().equals("ANY") && !value.name().equals("UNKNOWN") && !value.name().equals("MATCH")) {
        return value;
      }
    } catch (IllegalArgumentException e) {
      // refused below
    }
    throw new IllegalArgumentException(where + ": '" + name + "' is no " + type.getSimpleName());
  }

  /** Names users and ACLs, never passwords. */
  @Override
  public String toString() {
    return "BrokerAccess[users=" + passwords.keySet() + ", superUsers=" + superUsers + ", acls=" + acls.size() + "]";
  }

  /** The user the broker logs in to itself (and to its controller) as. */
  String brokerUser() {
    return superUsers.get(0);
  }

  /** The client login of a user: {@code sasl.jaas.config} for SASL/PLAIN. */
  public String jaas(String user) {
    String password = passwords.get(user);
    if (password == null) {
      throw new IllegalArgumentException("no user " + user + " in the access file");
    }
    return PLAIN_LOGIN + " required username=\"" + user + "\" password=\"" + password + "\";";
  }

  static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

  /** The broker's side of SASL/PLAIN: its own login plus every user it accepts. */
  String serverJaas() {
    StringBuilder sb = new StringBuilder(PLAIN_LOGIN + " required username=\"" + brokerUser() + "\" password=\""
        + passwords.get(brokerUser()) + "\"");
    passwords.forEach((user, password) -> sb.append(" user_").append(user).append("=\"").append(password).append('"'));
    return sb.append(';').toString();
  }
}
