using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Reports;

namespace Afirgen.TaskProcessor.AfirgenTasks.Tests.Reports;

/// <summary>Which of fir_content's spellings fill which field of the form, and what is left for the further particulars.</summary>
public sealed class FirFormReaderTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 5, 9, 0, 0, TimeSpan.Zero);

    private static FirForm Read(string? content, string? complaint = "What the complainant said.") =>
        FirFormReader.Read(new FirRecord("FIR-F-1", "s", "u", FirStatuses.Finalized, complaint, content, Created, null), StationTime.India);

    [Theory]
    [InlineData("""{"police_station": "Kotwali"}""")]
    [InlineData("""{"policeStation": "Kotwali"}""")]
    [InlineData("""{"PS": "Kotwali"}""")]
    [InlineData("""{"Police Station": "Kotwali"}""")]
    [InlineData("""{"police_station": {"name": "Kotwali", "district": "Raipur"}}""")]
    [InlineData("Police Station: Kotwali\nDistrict: Raipur")]
    public void PoliceStation_IsReadFromAnyOfItsSpellings(string content) => Assert.Equal("Kotwali", Read(content).PoliceStation);

    [Theory]
    [InlineData("""{"complainant_name": "Asha", "complainant_contact": "100"}""")]
    [InlineData("""{"complainant": "Asha", "phone": "100"}""")]
    [InlineData("""{"complainant": {"name": "Asha", "phone": "100"}}""")]
    [InlineData("""{"informant": {"name": "Asha", "mobile": "100"}}""")]
    [InlineData("1. COMPLAINANT DETAILS:\n   - Full Name: Asha\n   - Contact Number: 100")]
    public void Complainant_IsReadFromAnyOfItsSpellings(string content)
    {
        var form = Read(content);

        Assert.Equal("Asha", form.ComplainantName);
        Assert.Equal("100", form.ComplainantPhone);
    }

    [Fact]
    public void AfirgensOwnKeys_FillTheirFields()
    {
        // The keys of AFIRGen's FIR data as its backend builds them (get_fir_data), spelling mistakes included.
        var form = Read("""
            {"fir_number": "FIR-F-1", "police_station": "Central Police Station", "district": "Metro City", "state": "State of Example",
             "year": "2026", "date": "05 March 2026", "Acts": ["IPC 379 (Theft)", "IPC 34 (Common Intention)"], "Sections": ["IPC 379", "IPC 34"],
             "Date from": "04 March 2026", "Date to": "04 March 2026", "Time from": "21:00", "Time to": "21:30",
             "Information recieved": "05 March 2026 at 10:15:00", "Place of Occurrence": "Central Park", "Address of Occurrence": "Near the fountain",
             "complainant_name": "John Doe", "dateofbirth": "01 January 1990", "Nationality": "Indian", "father_name/husband_name": "Richard Doe",
             "complainant_address": "123 Main St.", "complainant_contact": "9876543210", "passport_number": "", "occupation": "Clerk",
             "Suspect_details": "Unknown", "reasons_for_delayed_reporting": "No delay reported", "incident_description": "A bag was snatched.",
             "summary": "Bag snatching.", "action_taken": "Case registered.", "io_name": "Inspector Rajesh Kumar", "io_rank": "Inspector",
             "witnesses": "None", "date_of_despatch": "05 March 2026", "investigation_status": "Preliminary investigation started"}
            """);

        Assert.Equal(("Central Police Station", "Metro City", "State of Example", "2026", "05/03/2026"), (form.PoliceStation, form.District, form.State, form.Year, form.FirDate));
        Assert.Equal(("IPC 379 (Theft), IPC 34 (Common Intention)", "IPC 379, IPC 34"), (form.Acts, form.Sections));
        Assert.Equal(("Wednesday", "04/03/2026", "04/03/2026", "21:00", "21:30"), (form.OccurrenceDay, form.OccurrenceDateFrom, form.OccurrenceDateTo, form.OccurrenceTimeFrom, form.OccurrenceTimeTo));
        Assert.Equal(("05/03/2026", "10:15"), (form.InformationReceivedDate, form.InformationReceivedTime));
        Assert.Equal(("Central Park", "Near the fountain"), (form.Place, form.PlaceAddress));
        Assert.Equal(("John Doe", "Richard Doe", "01 January 1990", "Indian", "Clerk", "123 Main St.", "9876543210"),
            (form.ComplainantName, form.FatherOrHusbandName, form.DateOfBirth, form.Nationality, form.Occupation, form.ComplainantAddress, form.ComplainantPhone));
        Assert.Null(form.PassportNumber);
        Assert.Equal(("Unknown", "No delay reported", "Case registered.", "Inspector Rajesh Kumar", "Inspector", "05 March 2026"),
            (form.Accused, form.DelayReasons, form.ActionTaken, form.InvestigatingOfficerName, form.InvestigatingOfficerRank, form.DespatchToCourt));
        // The complaint column is the first information; fir_content's own description and the rest are further particulars.
        Assert.Equal("What the complainant said.", form.FirstInformation);
        Assert.Equal(["Incident description", "Summary", "Investigation status"], form.FurtherParticulars.Select(p => p.Label));
    }

    [Fact]
    public void WhatFirContentDoesNotSay_StaysBlank_ExceptTheDatesTheRecordItselfGives()
    {
        var form = Read("""{"district": "N/A", "police_station": "", "accused": null}""", complaint: null);

        Assert.Null(form.District);
        Assert.Null(form.PoliceStation);
        Assert.Null(form.Accused);
        Assert.Null(form.FirstInformation);
        Assert.Null(form.OccurrenceDay);
        // created_at, in India's time: 09:00 UTC is 14:30 IST.
        Assert.Equal(("05/03/2026", "2026", "05/03/2026", "14:30 IST"), (form.FirDate, form.Year, form.InformationReceivedDate, form.InformationReceivedTime));
    }

    [Fact]
    public void FreeText_IsKeptWhole_AndStandsInForAMissingComplaint()
    {
        var form = Read("The complainant came to the station at night: his shop had been broken into.", complaint: null);

        Assert.Equal("The complainant came to the station at night: his shop had been broken into.", form.UnlabelledContent);
        Assert.Null(form.PoliceStation);
    }

    [Fact]
    public void ADateThatCouldBeDayOrMonthFirst_IsShownAsWritten()
    {
        Assert.Equal("03/04/2026", Read("""{"date_of_occurrence": "03/04/2026"}""").OccurrenceDateFrom);
        Assert.Null(Read("""{"date_of_occurrence": "03/04/2026"}""").OccurrenceDay);
        Assert.Equal("04/03/2026", Read("""{"date_of_occurrence": "2026-03-04T21:00:00"}""").OccurrenceDateFrom);
    }
}
