package io.memreason.cli;

import io.memreason.hub.ModelLocation;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads an option naming a model: a folder, or a Hub repository {@code hf:ORG/NAME[@REVISION]}. */
final class ModelLocationConverter implements ITypeConverter<ModelLocation> {
  static final String LABEL = "DIR|hf:ORG/NAME[@REV]";

  @Override
  public ModelLocation convert(String value) {
    try {
      return ModelLocation.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
