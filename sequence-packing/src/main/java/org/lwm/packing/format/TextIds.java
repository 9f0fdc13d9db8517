package org.lwm.packing.format;

import java.io.Serializable;

/**
 * A text field that is already tokenized (e.g. a book from {@code book_tokens}): the formatter uses the ids as
 * {@code encode(text)} would have returned them (no BOS), so a book is not encoded twice.
 */
public record TextIds(int[] ids) implements Serializable {}
