/**
 * The "atlas" world: a small seeded fictional world (continents, countries, cities, people and the objects they
 * own), questions about it with ground-truth memory/reason traces, a judge for generated steps and the word-level
 * tokenizer of the default model.
 *
 * <p>Everything is designed so that a tiny model trained from scratch in a few minutes can learn it: a closed
 * vocabulary of a few hundred words, one token per name, short and very regular sentences, and facts that recur in
 * many training traces. Start at {@link io.memreason.training.atlas.AtlasDataset}.
 */
package io.memreason.training.atlas;
