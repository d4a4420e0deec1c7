using Microsoft.AspNetCore.Http;

namespace Afirgen.TaskProcessor.Api;

/// <summary>RFC 9457 problem documents whose detail says what to change.</summary>
internal static class ApiProblems
{
    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);

    public static IResult Unavailable(Exception ex) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "The result store is unavailable", ex.Message);
}
