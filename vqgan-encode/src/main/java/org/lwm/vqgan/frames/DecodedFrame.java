package org.lwm.vqgan.frames;

/** One decoded frame: its place among the sampled frames, its time in the video, and its 8-bit RGB pixels. */
public record DecodedFrame(int index, double timestampS, int width, int height, byte[] rgb) {}
