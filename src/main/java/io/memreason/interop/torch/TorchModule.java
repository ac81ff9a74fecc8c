package io.memreason.interop.torch;

import java.util.Map;
import java.util.Optional;

/**
 * A pickled {@code nn.Module} of one of the allowed classes ({@code torch.nn.modules.sparse.Embedding},
 * {@code torch.nn.modules.linear.Linear}): its class and its {@code __dict__}, built without running any of its code.
 *
 * @param className the module's qualified class name, e.g. {@code torch.nn.modules.linear.Linear}
 * @param state the attributes the pickle set (the module's {@code __dict__})
 */
public record TorchModule(String className, Map<String, Object> state) {

  /** A parameter of {@code _parameters} ({@code weight}, {@code bias}); empty when absent or {@code None}. */
  public Optional<TorchTensor> parameter(String name) {
    return state.get("_parameters") instanceof Map<?, ?> parameters && parameters.get(name) instanceof TorchTensor t
        ? Optional.of(t) : Optional.empty();
  }

  /** The simple class name, e.g. {@code Linear}. */
  public String simpleName() {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
