package io.memreason.training;

import ai.djl.ndarray.NDArray;

/**
 * An array the optimizer updates, under the tensor name it is saved with (a PEFT factor name such as
 * {@code base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight}, {@code new_in}, or a Hugging Face weight
 * name when every parameter is trained).
 */
public record TrainableParameter(String name, NDArray array) {}
