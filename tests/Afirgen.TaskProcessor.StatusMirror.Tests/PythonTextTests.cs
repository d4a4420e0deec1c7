using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.StatusMirror.Tests;

/// <summary>The <c>result</c> and <c>error_message</c> columns as AFIRGen's Python wrote them.</summary>
public sealed class PythonTextTests
{
    [Theory]
    [InlineData("""{"status":"success","fir_id":"FIR-1"}""", """{"status":"success","fir_id":"FIR-1"}""")]
    [InlineData("\"reports/FIR-1.pdf\"", """{"result":"reports/FIR-1.pdf"}""")]
    [InlineData("42", """{"result":"42"}""")]
    [InlineData("true", """{"result":"True"}""")]
    [InlineData("null", """{"result":"None"}""")]
    [InlineData("""[1, "a", null, false]""", """{"result":"[1, 'a', None, False]"}""")]
    public void ResultColumn_KeepsADict_AndWrapsAnythingElseAsPythonWouldPrintIt(string returned, string column)
    {
        Assert.Equal(column, PythonText.ResultColumn(JsonNode.Parse(returned)));
    }

    [Theory]
    [InlineData("TimeoutError: upstream slow", "upstream slow")]
    [InlineData("SmtpCommandException: 451: try later", "451: try later")]
    [InlineData("no type here", "no type here")]
    public void ErrorMessage_IsPythonsStrOfTheException(string observed, string message)
    {
        Assert.Equal(message, PythonText.ErrorMessage(observed));
    }
}
