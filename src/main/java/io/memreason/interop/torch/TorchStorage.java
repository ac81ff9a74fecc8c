package io.memreason.interop.torch;

/**
 * One storage of a {@code torch.save} archive: the raw elements in the archive entry {@code <archive>/data/<key>}.
 *
 * @param elements how many elements the pickle claims; never more than the entry holds (checked when it is named)
 * @param location the device it was saved from ({@code cpu}, {@code cuda:0}); memreason reads every storage on the CPU
 */
public record TorchStorage(StorageType type, String key, long elements, String location) {}
