package io.memreason.cli;

/**
 * Marks a command that trains: it runs on one Java thread (PyTorch allows one gradient collector per process), so
 * torch gets two intra-op threads instead of serving's one per worker thread. {@link Main} reads it before DJL loads.
 */
interface TrainsModels {}
