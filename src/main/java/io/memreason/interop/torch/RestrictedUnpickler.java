package io.memreason.interop.torch;

import io.memreason.llm.CheckpointException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A pickle reader for the {@code data.pkl} of a {@code torch.save} archive that executes nothing: it knows the
 * opcodes {@code torch.save} writes (pickle protocols 2 to 5, without the out-of-band buffers of 5) and an allow-list
 * of globals, and builds only plain values (None as null, bool, int, float, str, bytes, tuple and list as lists,
 * dict and {@code OrderedDict} as maps, set), {@link TorchStorage}, {@link TorchTensor} and {@link TorchModule}.
 * Any other global, or an opcode {@code torch.save} never writes, is refused with an error naming it before
 * anything is built from it. Every length the pickle claims is checked against the bytes that are left, so a
 * pickle cannot make the reader allocate more than its own size.
 */
final class RestrictedUnpickler {

  /** Resolves a storage's persistent id against the archive (which checks that the entry holds what is claimed). */
  interface Storages {
    TorchStorage storage(StorageType type, String key, String location, long elements);
  }

  private static final String ORDERED_DICT = "collections.OrderedDict";
  private static final String REBUILD_TENSOR = "torch._utils._rebuild_tensor_v2";
  private static final String REBUILD_PARAMETER = "torch._utils._rebuild_parameter";
  private static final String REBUILD_PARAMETER_WITH_STATE = "torch._utils._rebuild_parameter_with_state";
  private static final Set<String> MODULE_CLASSES = Set.of("torch.nn.modules.sparse.Embedding",
      "torch.nn.modules.linear.Linear");
  /** Protocol 2 writes Python 2's module name for built-ins. */
  private static final Set<String> SET = Set.of("__builtin__.set", "builtins.set");

  /** Every global the reader accepts, for the refusal message. */
  static final Set<String> ALLOWED_GLOBALS;

  static {
    Set<String> allowed = new TreeSet<>(List.of(ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER,
        REBUILD_PARAMETER_WITH_STATE));
    allowed.addAll(MODULE_CLASSES);
    allowed.addAll(SET);
    for (StorageType t : StorageType.values()) {
      allowed.add("torch." + t.className());
    }
    ALLOWED_GLOBALS = Collections.unmodifiableSet(allowed);
  }

  /** A global the pickle named, after the allow-list let it through. */
  private record Global(String qualifiedName) {}

  private final byte[] pickle;
  private final String source;
  private final Storages storages;
  private final List<Object> stack = new ArrayList<>();
  private final List<Integer> marks = new ArrayList<>();
  private final Map<Long, Object> memo = new HashMap<>();
  private int pos;
  private int opcodeStart;

  private RestrictedUnpickler(byte[] pickle, String source, Storages storages) {
    this.pickle = pickle;
    this.source = source;
    this.storages = storages;
  }

  /**
   * Reads a whole pickle.
   *
   * @param source names the pickle in errors, e.g. {@code /runs/x/adapter_model.bin (adapter_model/data.pkl)}
   * @return its value: a map, a {@link TorchModule}, a {@link TorchTensor}, or another plain value
   */
  static Object load(byte[] pickle, String source, Storages storages) {
    return new RestrictedUnpickler(pickle, source, storages).run();
  }

  private Object run() {
    while (true) {
      opcodeStart = pos;
      int op = u8();
      switch (op) {
        case 0x80 -> { // PROTO
          int protocol = u8();
          if (protocol < 2 || protocol > 5) {
            throw malformed("pickle protocol " + protocol + " (torch.save writes 2 to 5)");
          }
        }
        case 0x95 -> bytes(8); // FRAME: a length hint only
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> marks.add(stack.size()); // MARK
        case '0' -> pop(); // POP
        case '1' -> popMark(); // POP_MARK
        case '2' -> push(peek()); // DUP
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'J' -> push((long) le(4).getInt());
        case 'K' -> push((long) u8());
        case 'M' -> push((long) (le(2).getShort() & 0xffff));
        case 0x8a -> push(longOf(bytes(u8())));
        case 0x8b -> push(longOf(bytes(length(le(4).getInt() & 0xffffffffL))));
        case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
        case 'X' -> push(utf8(length(le(4).getInt() & 0xffffffffL)));
        case 0x8c -> push(utf8(u8()));
        case 0x8d -> push(utf8(length(le(8).getLong())));
        // Python 2 str (protocol 2 writes it for bytes-like names): Latin-1 text.
        case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
        case 'T' -> push(new String(bytes(length(le(4).getInt() & 0xffffffffL)), StandardCharsets.ISO_8859_1));
        case 'C' -> push(bytes(u8()));
        case 'B' -> push(bytes(length(le(4).getInt() & 0xffffffffL)));
        case 0x8e -> push(bytes(length(le(8).getLong())));
        case ')' -> push(tuple(List.of()));
        case 't' -> push(tuple(popMark()));
        case 0x85 -> push(tuple(popN(1)));
        case 0x86 -> push(tuple(popN(2)));
        case 0x87 -> push(tuple(popN(3)));
        case ']' -> push(new ArrayList<>());
        case 'a' -> {
          Object item = pop();
          list(peek(), "APPEND").add(item);
        }
        case 'e' -> {
          List<Object> items = popMark();
          list(peek(), "APPENDS").addAll(items);
        }
        case '}' -> push(new LinkedHashMap<>());
        case 's' -> {
          Object value = pop();
          Object key = pop();
          map(peek(), "SETITEM").put(key, value);
        }
        case 'u' -> {
          List<Object> items = popMark();
          if (items.size() % 2 != 0) {
            throw malformed("SETITEMS with an odd number of items");
          }
          Map<Object, Object> target = map(peek(), "SETITEMS");
          for (int i = 0; i < items.size(); i += 2) {
            target.put(items.get(i), items.get(i + 1));
          }
        }
        case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
        case 0x90 -> { // ADDITEMS
          List<Object> items = popMark();
          set(peek()).addAll(items);
        }
        case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark()))); // FROZENSET
        case 'q' -> memo.put((long) u8(), peek());
        case 'r' -> memo.put(le(4).getInt() & 0xffffffffL, peek());
        case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
        case 'h' -> push(memoized(u8()));
        case 'j' -> push(memoized(le(4).getInt() & 0xffffffffL));
        case 'c' -> push(global(line(), line()));
        case 0x93 -> { // STACK_GLOBAL
          Object name = pop();
          Object module = pop();
          if (!(module instanceof String m) || !(name instanceof String n)) {
            throw malformed("STACK_GLOBAL without a module and a name");
          }
          push(global(m, n));
        }
        case 'R' -> {
          Object args = pop();
          push(reduce(pop(), args));
        }
        case 0x81 -> {
          Object args = pop();
          push(newObject(pop(), args));
        }
        case 'b' -> {
          Object state = pop();
          build(peek(), state);
        }
        case 'Q' -> push(persistent(pop()));
        default -> throw refusedOpcode(op);
      }
    }
  }

  private Object global(String module, String name) {
    String qualified = module + "." + name;
    if (!ALLOWED_GLOBALS.contains(qualified)) {
      throw new CheckpointException(source + ": refused the global '" + qualified + "' (byte " + opcodeStart
          + "): a torch.save of tensors, state dicts and Embedding/Linear modules never needs it, and memreason runs "
          + "nothing from a pickle. Allowed: " + String.join(", ", ALLOWED_GLOBALS));
    }
    return new Global(qualified);
  }

  private Object reduce(Object callable, Object arguments) {
    List<Object> args = sequence(arguments, "the arguments of REDUCE");
    String name = callable instanceof Global g ? g.qualifiedName() : String.valueOf(callable);
    if (name.equals(ORDERED_DICT) && args.isEmpty()) {
      return new LinkedHashMap<>();
    }
    if (SET.contains(name) && args.size() <= 1) {
      return args.isEmpty() ? new LinkedHashSet<>() : new LinkedHashSet<>(sequence(args.get(0), "set()'s items"));
    }
    if (name.equals(REBUILD_TENSOR)) {
      return tensor(args);
    }
    if ((name.equals(REBUILD_PARAMETER) && args.size() == 3) || (name.equals(REBUILD_PARAMETER_WITH_STATE)
        && args.size() == 4)) {
      if (!(args.get(0) instanceof TorchTensor t) || !(args.get(1) instanceof Boolean requiresGrad)) {
        throw malformed(name + " without a tensor and requires_grad");
      }
      noHooks(args.get(2), name);
      return t.asParameter(requiresGrad);
    }
    throw malformed("a call of " + name + " with " + args.size() + " arguments, which torch.save never writes");
  }

  /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
  private TorchTensor tensor(List<Object> args) {
    if (args.size() < 6 || args.size() > 7 || !(args.get(0) instanceof TorchStorage storage)
        || !(args.get(1) instanceof Long offset) || !(args.get(4) instanceof Boolean requiresGrad)) {
      throw malformed(REBUILD_TENSOR + " with arguments other than (storage, offset, size, stride, requires_grad, "
          + "hooks)");
    }
    long[] shape = longs(args.get(2), "a tensor's size");
    long[] stride = longs(args.get(3), "a tensor's stride");
    noHooks(args.get(5), REBUILD_TENSOR);
    if (shape.length != stride.length || offset < 0 || Arrays.stream(shape).anyMatch(d -> d < 0)
        || Arrays.stream(stride).anyMatch(s -> s < 0)) {
      throw malformed("a tensor of size " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
          + " and offset " + offset);
    }
    TorchTensor t = new TorchTensor(storage, offset, shape, stride, requiresGrad, false);
    long end;
    try {
      end = Math.addExact(offset, t.extent());
    } catch (ArithmeticException e) {
      throw malformed("a tensor of size " + Arrays.toString(shape) + " whose extent overflows");
    }
    if (t.elementCount() > 0 && end > storage.elements()) {
      throw new CheckpointException(source + ": a tensor of size " + Arrays.toString(shape) + " at offset " + offset
          + " reaches element " + end + " of storage '" + storage.key() + "', which has " + storage.elements()
          + ": the file is corrupt");
    }
    return t;
  }

  private void noHooks(Object hooks, String where) {
    if (!(hooks instanceof Map<?, ?> m) || !m.isEmpty()) {
      throw malformed(where + " with backward hooks");
    }
  }

  private Object newObject(Object cls, Object arguments) {
    List<Object> args = sequence(arguments, "the arguments of NEWOBJ");
    if (cls instanceof Global g && MODULE_CLASSES.contains(g.qualifiedName()) && args.isEmpty()) {
      return new TorchModule(g.qualifiedName(), new LinkedHashMap<>());
    }
    throw malformed("an object of " + (cls instanceof Global g ? g.qualifiedName() : String.valueOf(cls))
        + " made with NEWOBJ, which torch.save never writes");
  }

  private void build(Object target, Object state) {
    if (target instanceof TorchModule module && state instanceof Map<?, ?> attributes) {
      for (Map.Entry<?, ?> e : attributes.entrySet()) {
        if (!(e.getKey() instanceof String name)) {
          throw malformed("a module attribute named by " + e.getKey());
        }
        module.state().put(name, e.getValue());
      }
      return;
    }
    // An OrderedDict's own attributes (a state dict's _metadata): not part of its items.
    if (target instanceof Map<?, ?> && state instanceof Map<?, ?>) {
      return;
    }
    throw malformed("BUILD of " + describe(target) + " from " + describe(state));
  }

  /** BINPERSID: {@code ('storage', <storage class>, key, location, numel)}. */
  private Object persistent(Object pid) {
    List<Object> id = sequence(pid, "a persistent id");
    if (id.size() != 5 || !"storage".equals(id.get(0)) || !(id.get(1) instanceof Global type)
        || !(id.get(2) instanceof String key) || !(id.get(3) instanceof String location)
        || !(id.get(4) instanceof Long elements) || elements < 0) {
      throw malformed("a persistent id other than ('storage', class, key, location, numel): " + describe(pid));
    }
    StorageType storageType = type.qualifiedName().startsWith("torch.")
        ? StorageType.named(type.qualifiedName().substring("torch.".length())).orElse(null) : null;
    if (storageType == null) {
      throw malformed("a storage of class " + type.qualifiedName());
    }
    return storages.storage(storageType, key, location, elements);
  }

  private Object memoized(long index) {
    if (!memo.containsKey(index)) {
      throw malformed("a memo entry " + index + " that was never stored");
    }
    return memo.get(index);
  }

  private static List<Object> tuple(List<Object> items) {
    return Collections.unmodifiableList(new ArrayList<>(items));
  }

  private long[] longs(Object value, String what) {
    List<Object> items = sequence(value, what);
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(items.get(i) instanceof Long l)) {
        throw malformed(what + " that is not a tuple of ints: " + describe(value));
      }
      out[i] = l;
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private List<Object> sequence(Object value, String what) {
    if (value instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw malformed(what + " that is not a tuple: " + describe(value));
  }

  @SuppressWarnings("unchecked")
  private List<Object> list(Object value, String op) {
    if (value instanceof ArrayList<?> l) {
      return (List<Object>) l;
    }
    throw malformed(op + " onto " + describe(value));
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> map(Object value, String op) {
    if (value instanceof LinkedHashMap<?, ?> m) {
      return (Map<Object, Object>) m;
    }
    throw malformed(op + " onto " + describe(value));
  }

  @SuppressWarnings("unchecked")
  private Collection<Object> set(Object value) {
    if (value instanceof LinkedHashSet<?> s) {
      return (Collection<Object>) s;
    }
    throw malformed("ADDITEMS onto " + describe(value));
  }

  private static String describe(Object value) {
    if (value == null) {
      return "None";
    }
    if (value instanceof Global g) {
      return g.qualifiedName();
    }
    return value.getClass().getSimpleName();
  }

  private void push(Object value) {
    stack.add(value);
  }

  private Object pop() {
    int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
    if (stack.size() <= floor) {
      throw malformed("an opcode that takes more values than the stack holds");
    }
    return stack.remove(stack.size() - 1);
  }

  private Object peek() {
    if (stack.isEmpty()) {
      throw malformed("an opcode that needs a value on an empty stack");
    }
    return stack.get(stack.size() - 1);
  }

  private List<Object> popN(int n) {
    List<Object> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(0, pop());
    }
    return items;
  }

  private List<Object> popMark() {
    if (marks.isEmpty()) {
      throw malformed("an opcode that needs a MARK without one");
    }
    int mark = marks.remove(marks.size() - 1);
    List<Object> top = stack.subList(mark, stack.size());
    List<Object> items = new ArrayList<>(top);
    top.clear();
    return items;
  }

  private int u8() {
    need(1);
    return pickle[pos++] & 0xff;
  }

  private ByteBuffer le(int n) {
    return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A claimed length, refused when the pickle does not have that many bytes left. */
  private int length(long claimed) {
    if (claimed < 0 || claimed > pickle.length - pos) {
      throw truncated(claimed);
    }
    return (int) claimed;
  }

  private byte[] bytes(int n) {
    need(n);
    byte[] b = Arrays.copyOfRange(pickle, pos, pos + n);
    pos += n;
    return b;
  }

  private String utf8(int n) {
    return new String(bytes(n), StandardCharsets.UTF_8);
  }

  private String line() {
    for (int i = pos; i < pickle.length; i++) {
      if (pickle[i] == '\n') {
        String text = new String(pickle, pos, i - pos, StandardCharsets.UTF_8);
        pos = i + 1;
        return text;
      }
    }
    throw truncated(1);
  }

  private void need(long n) {
    if (n > pickle.length - pos) {
      throw truncated(n);
    }
  }

  private static Object longOf(byte[] littleEndianTwosComplement) {
    byte[] bigEndian = new byte[littleEndianTwosComplement.length];
    for (int i = 0; i < bigEndian.length; i++) {
      bigEndian[i] = littleEndianTwosComplement[bigEndian.length - 1 - i];
    }
    BigInteger value = bigEndian.length == 0 ? BigInteger.ZERO : new BigInteger(bigEndian);
    return value.bitLength() < 64 ? (Object) value.longValue() : value;
  }

  private CheckpointException truncated(long wanted) {
    return new CheckpointException(source + " is truncated or corrupt: the opcode at byte " + opcodeStart + " needs "
        + wanted + " more bytes, " + (pickle.length - pos) + " are left");
  }

  private CheckpointException malformed(String what) {
    return new CheckpointException(source + ": refused " + what + " (byte " + opcodeStart
        + "); memreason reads only the pickles torch.save writes for tensors, state dicts and Embedding/Linear modules");
  }

  private CheckpointException refusedOpcode(int op) {
    String shown = op >= 0x20 && op < 0x7f ? "'" + (char) op + "'" : String.format("0x%02x", op);
    return new CheckpointException(source + ": refused the pickle opcode " + shown + " at byte " + opcodeStart
        + ", which torch.save never writes; memreason reads only the pickles of tensors, state dicts and "
        + "Embedding/Linear modules");
  }
}
