using System.Text;
using Afirgen.TaskProcessor.Engine.Json;

namespace Afirgen.TaskProcessor.Engine.Tests.Json;

public sealed class PooledJsonWriterTests
{
    [Fact]
    public void ARentedWriter_StartsEmpty_EvenAfterTheLastRenterLeftAHalfWrittenDocument()
    {
        using (var first = PooledJsonWriter.Rent())
        {
            first.Writer.WriteStartObject();
            first.Writer.WriteString("left", "behind");
            // Disposed without finishing the object, as a writer interrupted by an exception would be.
        }
        using var next = PooledJsonWriter.Rent();
        next.Writer.WriteStartArray();
        next.Writer.WriteNumberValue(1);
        next.Writer.WriteEndArray();
        Assert.Equal("[1]", Encoding.UTF8.GetString(next.ToArray()));
    }

    [Fact]
    public void WritersRentedWhileAnotherIsInUse_AreSeparate_AndWhatWasCopiedOutSurvivesReuse()
    {
        byte[] outer;
        using (var envelope = PooledJsonWriter.Rent())
        {
            envelope.Writer.WriteStartObject();
            using (var body = PooledJsonWriter.Rent())
            using (var third = PooledJsonWriter.Rent())
            {
                Assert.NotSame(envelope, body);
                Assert.NotSame(body, third);
                body.Writer.WriteStringValue("inner");
                third.Writer.WriteStringValue("third");
                envelope.Writer.WriteBase64String("body", body.WrittenSpan);
            }
            envelope.Writer.WriteEndObject();
            outer = envelope.ToArray();
        }
        using (var reuse = PooledJsonWriter.Rent())
        {
            reuse.Writer.WriteStringValue(new string('x', 10_000));
            reuse.ToArray();
        }
        Assert.Equal("""{"body":"ImlubmVyIg=="}""", Encoding.UTF8.GetString(outer));
    }
}
