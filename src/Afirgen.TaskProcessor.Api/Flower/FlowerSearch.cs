using Afirgen.TaskProcessor.Engine.Monitoring;

namespace Afirgen.TaskProcessor.Api.Flower;

/// <summary>
/// Flower's <c>search</c> parameter of <c>GET /api/tasks</c> (Flower 2.1's query syntax, <c>flower/utils/search.py</c>):
/// terms separated by spaces are all required; <c>OR</c> between terms, <c>AND</c> (or nothing) and parentheses
/// combine them; <c>"quoted phrases"</c> keep spaces; <c>field:value</c> looks in one field. A plain term matches
/// a substring of the task id, name, state or worker, ignoring case; <c>name:</c> and <c>worker:</c> match a
/// substring, <c>state:</c> the whole state. Substrings need at least 3 characters.
/// </summary>
/// <remarks>
/// Flower also searches <c>args:</c>, <c>kwargs:</c> and <c>result:</c>, and plain terms look into them too. The
/// task index holds neither arguments (they may carry FIR text or personal data, so they are never indexed)
/// nor results, so those qualifiers are refused with a sentence rather than answered with nothing.
/// </remarks>
internal static class FlowerSearch
{
    private const int MaxQueryLength = 2048;
    private const int MaxTokens = 128;
    private const int MaxDepth = 5;
    private const int MinSubstringLength = 3;

    private static readonly HashSet<string> FlowerFields = new(StringComparer.OrdinalIgnoreCase) { "name", "state", "worker", "args", "kwargs", "result" };
    private static readonly HashSet<string> UnindexedFields = new(StringComparer.OrdinalIgnoreCase) { "args", "kwargs", "result" };

    /// <summary>The condition <paramref name="query"/> describes; null when it asks for nothing (every task matches).</summary>
    /// <exception cref="FormatException">The query is not valid; the message says where and why.</exception>
    public static Func<TaskIndexEntry, bool>? Parse(string? query)
    {
        var text = (query ?? "").Trim();
        if (text.Length > MaxQueryLength)
        {
            throw new FormatException($"The query is longer than {MaxQueryLength} characters.");
        }
        var tokens = Tokenize(text);
        if (tokens[0].Kind == TokenKind.End)
        {
            return null;
        }
        var parser = new Parser(tokens);
        var condition = parser.ParseOr(0);
        if (parser.Current.Kind != TokenKind.End)
        {
            throw Error($"Unexpected '{parser.Current.Value}'", parser.Current.Position);
        }
        return condition;
    }

    private enum TokenKind { Term, And, Or, Open, Close, End }

    private readonly record struct Token(TokenKind Kind, string Value, int Position);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        void Add(Token token)
        {
            tokens.Add(token);
            if (tokens.Count > MaxTokens)
            {
                throw new FormatException($"The query has more than {MaxTokens} terms and operators.");
            }
        }

        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var start = i;
            if (text[i] is '(' or ')')
            {
                Add(new Token(text[i] == '(' ? TokenKind.Open : TokenKind.Close, text[i].ToString(), start));
                i++;
                continue;
            }
            Add(ReadTerm(text, ref i));
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return tokens;
    }

    /// <summary>The term (a word, or a phrase in quotes) or operator starting at <paramref name="i"/>, which is moved past it.</summary>
    private static Token ReadTerm(string text, ref int i)
    {
        var start = i;
        var value = new System.Text.StringBuilder();
        var quoted = false;
        var inQuote = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
            {
                value.Append(text[i + 1]);
                i += 2;
                continue;
            }
            if (c == '"')
            {
                quoted = true;
                inQuote = !inQuote;
                i++;
                continue;
            }
            if (!inQuote && (char.IsWhiteSpace(c) || c is '(' or ')'))
            {
                break;
            }
            value.Append(c);
            i++;
        }
        if (inQuote)
        {
            throw Error("Unterminated quoted phrase", start);
        }
        var word = value.ToString();
        if (word.Length == 0)
        {
            throw Error("Empty search term", start);
        }
        if (!quoted && word == "NOT")
        {
            throw Error("NOT is not supported", start);
        }
        return new Token(!quoted && word == "AND" ? TokenKind.And : !quoted && word == "OR" ? TokenKind.Or : TokenKind.Term, word, start);
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _index;

        public Token Current => tokens[_index];

        private Token Advance() => tokens[_index++];

        public Func<TaskIndexEntry, bool> ParseOr(int depth)
        {
            var any = new List<Func<TaskIndexEntry, bool>> { ParseAnd(depth) };
            while (Current.Kind == TokenKind.Or)
            {
                RequireTermAfter(Advance(), "OR");
                any.Add(ParseAnd(depth));
            }
            return any.Count == 1 ? any[0] : e => any.Exists(c => c(e));
        }

        private Func<TaskIndexEntry, bool> ParseAnd(int depth)
        {
            var all = new List<Func<TaskIndexEntry, bool>> { ParsePrimary(depth) };
            while (Current.Kind is not (TokenKind.End or TokenKind.Close or TokenKind.Or))
            {
                if (Current.Kind == TokenKind.And)
                {
                    RequireTermAfter(Advance(), "AND");
                }
                all.Add(ParsePrimary(depth));
            }
            return all.Count == 1 ? all[0] : e => all.TrueForAll(c => c(e));
        }

        private void RequireTermAfter(Token op, string word)
        {
            if (Current.Kind is TokenKind.End or TokenKind.Close or TokenKind.And or TokenKind.Or)
            {
                throw Error($"{word} must be followed by a search term", op.Position);
            }
        }

        private Func<TaskIndexEntry, bool> ParsePrimary(int depth)
        {
            var token = Current;
            if (token.Kind == TokenKind.Open)
            {
                if (depth >= MaxDepth)
                {
                    throw Error($"Query nesting exceeds {MaxDepth} levels", token.Position);
                }
                Advance();
                if (Current.Kind == TokenKind.Close)
                {
                    throw Error("Empty group", token.Position);
                }
                var inner = ParseOr(depth + 1);
                if (Current.Kind != TokenKind.Close)
                {
                    throw Error("Missing closing parenthesis", token.Position);
                }
                Advance();
                return inner;
            }
            if (token.Kind != TokenKind.Term)
            {
                throw Error("Expected a search term", token.Position);
            }
            Advance();
            return Term(token);
        }
    }

    private static Func<TaskIndexEntry, bool> Term(Token token)
    {
        string? field = null;
        var value = token.Value;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && FlowerFields.Contains(value[..colon]))
        {
            field = value[..colon].ToLowerInvariant();
            value = value[(colon + 1)..];
        }
        if (field is not null && UnindexedFields.Contains(field))
        {
            throw new FormatException(
                $"'{field}:' cannot be searched here (at position {token.Position}): the task index never holds task arguments or results. " +
                "Search by task id, name:, state: or worker:, and read one task's result with /api/task/result/{id}.");
        }
        if (field is null && value.StartsWith('-'))
        {
            throw Error("Negation with '-' is not supported", token.Position);
        }
        if (value.Length == 0)
        {
            throw Error("Search qualifier requires a value", token.Position);
        }
        if (field == "state")
        {
            return e => string.Equals(e.State, value, StringComparison.OrdinalIgnoreCase);
        }
        if (value.Trim().Length < MinSubstringLength)
        {
            throw Error($"Substring search terms must contain at least {MinSubstringLength} characters", token.Position);
        }
        return field switch
        {
            "name" => e => Contains(e.Name, value),
            "worker" => e => Contains(e.Worker, value),
            _ => e => Contains(e.TaskId, value) || Contains(e.Name, value) || Contains(e.State, value) || Contains(e.Worker, value),
        };
    }

    private static bool Contains(string? text, string value) => text is not null && text.Contains(value, StringComparison.OrdinalIgnoreCase);

    private static FormatException Error(string message, int position) => new($"{message} at position {position}.");
}
