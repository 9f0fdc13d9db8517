package org.lwm.core.step;

import java.util.List;

/**
 * How a module contributes its steps: implement this and list the class in
 * {@code META-INF/services/org.lwm.core.step.StepProvider}. {@link Steps} finds every provider on the classpath.
 */
public interface StepProvider {
  List<Step> steps();
}
