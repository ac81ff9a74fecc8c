package io.memreason.llm.adapter;

import ai.djl.ndarray.NDArray;

/**
 * One projection's LoRA factors as PEFT stores them: the update is {@code scaling · B·A}.
 *
 * @param a {@code lora_A.weight} [r, in]
 * @param b {@code lora_B.weight} [out, r]
 */
public record LoraPair(NDArray a, NDArray b) {}
