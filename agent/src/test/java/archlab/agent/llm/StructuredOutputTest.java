package archlab.agent.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tolerant extraction of the JSON in a reply, and schema errors worded for the repair prompt. */
class StructuredOutputTest {
    static final Schema SCHEMA = StructuredOutput.compile(json("""
            {"type": "object", "properties": {"title": {"type": "string"}, "k": {"type": "integer", "minimum": 1}},
             "required": ["title", "k"]}"""));

    @Test
    void findsTheObjectInBareJsonFencesAndProse() {
        assertThat(parse("{\"title\": \"a\", \"k\": 2}").json().get("k").asInt()).isEqualTo(2);
        assertThat(parse("```json\n{\"title\": \"a\", \"k\": 2}\n```").ok()).isTrue();
        assertThat(parse("```\n{\"title\": \"a\", \"k\": 2}\n```").ok()).isTrue();
        assertThat(parse("Sure. Here it is: {\"title\": \"a {b}\", \"k\": 3}. Hope that helps {really}.")
                .json().get("title").asText()).isEqualTo("a {b}");
        assertThat(parse("First a wrong try {oops and then {\"title\": \"t\", \"k\": 1}").ok()).isTrue();
    }

    @Test
    void saysWhyAReplyIsUnusable() {
        assertThat(parse("").problem()).isEqualTo("the reply was empty; expected a JSON value");
        assertThat(parse("{\"title\": \"a\", \"k\": ").problem())
                .startsWith("the reply is not valid JSON: Unexpected end-of-input").contains("line 1");
        assertThat(parse("no json here at all").problem()).startsWith("the reply is not valid JSON: Unrecognized token");
        StructuredOutput.Parsed wrong = parse("{\"title\": 7, \"k\": 0}");
        assertThat(wrong.ok()).isFalse();
        assertThat(wrong.json()).isNotNull();
        assertThat(wrong.problem()).isEqualTo("the JSON does not satisfy the schema: /title: integer found, string"
                + " expected; /k: must have a minimum value of 1");
        assertThat(parse("{\"title\": \"x\"}").problem()).contains("required property 'k' not found");
    }

    @Test
    void aBrokenSchemaIsTheCallersErrorNotTheModels() {
        assertThatThrownBy(() -> StructuredOutput.compile(json("[1]")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the request's schema must be a JSON object, got ARRAY");
    }

    private static StructuredOutput.Parsed parse(String reply) {
        return StructuredOutput.parse(reply, SCHEMA);
    }

    private static JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
