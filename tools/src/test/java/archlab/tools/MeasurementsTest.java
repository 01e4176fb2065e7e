package archlab.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeasurementsTest {

    @Test
    void readsMetricsAndCurvesPerTask() {
        Measurements m = Measurements.parse("{\"mqar\": {\"loss\": 0.4, \"accuracy\": 0.91}}",
                "{\"mqar\": [{\"step\": 20, \"loss\": 1.0, \"lr\": 0.002}, {\"step\": 10, \"loss\": 2.0, \"lr\": 0.001,"
                        + " \"eval\": {\"accuracy\": 0.5}}]}");
        assertThat(m.problems()).isEmpty();
        assertThat(m.tasks()).containsExactly("mqar");
        assertThat(m.metric("mqar", "accuracy")).isEqualTo(0.91);
        assertThat(m.metrics().get("mqar").keySet()).containsExactly("accuracy", "loss");
        assertThat(m.curve("mqar")).extracting(Measurements.Point::step).containsExactly(10, 20);
        assertThat(m.curve("mqar").get(0).eval()).containsEntry("accuracy", 0.5);
    }

    @Test
    void readsBareFormsAsTheDefaultTask() {
        Measurements m = Measurements.parse("{\"accuracy\": 0.7}", "[{\"loss\": 3}, {\"train_loss\": 2}]");
        assertThat(m.metric(Measurements.DEFAULT_TASK, "accuracy")).isEqualTo(0.7);
        assertThat(m.curve(Measurements.DEFAULT_TASK)).extracting(Measurements.Point::step).containsExactly(1, 2);
    }

    @Test
    void namesWhatItCannotReadInsteadOfThrowing() {
        Measurements m = Measurements.parse("{not json", "{\"mqar\": [{\"step\": 1}, {\"step\": 2, \"loss\": \"NaN\"}]}");
        assertThat(m.problems()).hasSize(2);
        assertThat(m.problems().get(0)).startsWith("metrics are not valid JSON");
        assertThat(m.problems().get(1)).contains("1 point of the curve of task 'mqar' have no loss");
        assertThat(m.curve("mqar").get(0).loss()).isNaN();
    }

    @Test
    void emptyWhenNothingWasMeasured() {
        assertThat(Measurements.parse(null, " ").isEmpty()).isTrue();
    }
}
