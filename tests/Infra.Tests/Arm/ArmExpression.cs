using System.Globalization;
using System.Text;

namespace Afirgen.TaskProcessor.Infra.Tests.Arm;

/// <summary>
/// A value the tests cannot know before deployment (reference(), uniqueString(), subscription(), ...).
/// Inside strings it renders as <see cref="Marker"/>, so the known parts stay checkable.
/// </summary>
public sealed class Unknown
{
    public const string Marker = "<?>";
    public static readonly Unknown Instance = new();
    private Unknown() { }
    public override string ToString() => Marker;
}

/// <summary>A lambda(...) value, applied by map() and filter().</summary>
public sealed record ArmLambda(IReadOnlyList<string> Names, ArmNode Body, IReadOnlyDictionary<string, object?> Captured);

public abstract record ArmNode;
public sealed record ArmLiteral(object? Value) : ArmNode;
public sealed record ArmCall(string Name, IReadOnlyList<ArmNode> Arguments) : ArmNode;
public sealed record ArmMember(ArmNode Target, string Name) : ArmNode;
public sealed record ArmIndex(ArmNode Target, ArmNode Index) : ArmNode;

/// <summary>
/// Parser for the ARM template expression language ("[func(args).prop[0]]"), enough of it to read
/// what the Bicep compiler writes for our templates. Unknown syntax throws: a test must not pass by
/// misreading the template.
/// </summary>
public static class ArmExpression
{
    /// <summary>True when a JSON string value is an expression rather than a literal.</summary>
    public static bool IsExpression(string value) =>
        value.Length >= 2 && value[0] == '[' && value[^1] == ']' && !value.StartsWith("[[", StringComparison.Ordinal);

    public static ArmNode Parse(string expression)
    {
        var parser = new Parser(expression[1..^1]);
        var node = parser.ParseExpression();
        parser.SkipWhitespace();
        if (!parser.AtEnd)
        {
            throw new FormatException($"Unexpected text at {parser.Position} in {expression}");
        }
        return node;
    }

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }
        public bool AtEnd => Position >= text.Length;

        public void SkipWhitespace()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position])) Position++;
        }

        public ArmNode ParseExpression()
        {
            SkipWhitespace();
            var node = ParsePrimary();
            while (true)
            {
                SkipWhitespace();
                if (!AtEnd && text[Position] == '.')
                {
                    Position++;
                    node = new ArmMember(node, ReadIdentifier());
                }
                else if (!AtEnd && text[Position] == '[')
                {
                    Position++;
                    var index = ParseExpression();
                    Expect(']');
                    node = new ArmIndex(node, index);
                }
                else
                {
                    return node;
                }
            }
        }

        private ArmNode ParsePrimary()
        {
            var c = text[Position];
            if (c == '\'')
            {
                return new ArmLiteral(ReadString());
            }
            if (char.IsDigit(c) || c == '-')
            {
                var start = Position++;
                while (!AtEnd && char.IsDigit(text[Position])) Position++;
                return new ArmLiteral(long.Parse(text[start..Position], CultureInfo.InvariantCulture));
            }
            var name = ReadIdentifier();
            SkipWhitespace();
            Expect('(');
            var arguments = new List<ArmNode>();
            SkipWhitespace();
            if (text[Position] != ')')
            {
                while (true)
                {
                    arguments.Add(ParseExpression());
                    SkipWhitespace();
                    if (text[Position] == ',') { Position++; continue; }
                    break;
                }
            }
            Expect(')');
            return new ArmCall(name, arguments);
        }

        private string ReadString()
        {
            var sb = new StringBuilder();
            Position++;
            while (true)
            {
                if (AtEnd) throw new FormatException("Unterminated string in expression");
                var c = text[Position++];
                if (c == '\'')
                {
                    if (!AtEnd && text[Position] == '\'') { sb.Append('\''); Position++; continue; }
                    return sb.ToString();
                }
                sb.Append(c);
            }
        }

        private string ReadIdentifier()
        {
            var start = Position;
            while (!AtEnd && (char.IsLetterOrDigit(text[Position]) || text[Position] is '_' or '$')) Position++;
            if (start == Position) throw new FormatException($"Identifier expected at {Position} in [{text}]");
            return text[start..Position];
        }

        private void Expect(char c)
        {
            SkipWhitespace();
            if (AtEnd || text[Position] != c) throw new FormatException($"'{c}' expected at {Position} in [{text}]");
            Position++;
        }
    }
}
