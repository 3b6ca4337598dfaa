// Flink's temporal functions: date_format, the field functions, to_timestamp,
// unix_timestamp, from_unixtime, timestampadd and timestampdiff, all in UTC.
#include "expr_test_util.h"

using namespace expr_test;

// t: 0 (1970-01-01 00:00:00), 1000, 1704067200000 (2024-01-01), -1 (1969-12-31 23:59:59.999)

TEST_CASE("date_format writes a timestamp with a SimpleDateFormat-style pattern") {
  CHECK(eval_rows("date_format(t, 'yyyy-MM-dd HH:mm:ss')") ==
        "1970-01-01 00:00:00, 1970-01-01 00:00:01, 2024-01-01 00:00:00, 1969-12-31 23:59:59");
  CHECK(eval_rows("date_format(t, 'yyMMdd.SSS')") == "700101.000, 700101.000, 240101.000, 691231.999");
  CHECK(eval1("date_format(TIMESTAMP '2017-09-15 23:05:07.042', 'yyyy/M/d H:m:s S SS SSS')") ==
        "2017/9/15 23:5:7 0 04 042");
  CHECK(eval1("date_format(TIMESTAMP '2017-09-15 13:05:07', 'hh:mm a; EEE EEEE; MMM MMMM; D')") ==
        "01:05 PM; Fri Friday; Sep September; 258");
  CHECK(eval1("date_format(TIMESTAMP '2017-09-15 00:30:00', 'h a')") == "12 AM");
  CHECK(eval1("date_format(TIMESTAMP '2017-09-15 23:05:07', 'yyyy-MM-dd''T''HH:mm')") == "2017-09-15T23:05");
  CHECK(eval1("date_format(TIMESTAMP '2017-09-15 23:05:07', '''at'' HH ''o''''clock''')") == "at 23 o'clock");
  CHECK(eval1("date_format(TIMESTAMP '0099-03-04 00:00:00', 'yyyy yy')") == "0099 99");
}

TEST_CASE("date_format reads a string argument as a timestamp first, NULL when it cannot") {
  CHECK(eval1("date_format('2017-09-15 23:00:00', 'yyMMdd')") == "170915");
  CHECK(eval1("date_format('2017-9-5', 'yyyy-MM-dd HH:mm')") == "2017-09-05 00:00");
  CHECK(eval1("date_format('2017-09-15 23:00:00.5', 'ss.SSS')") == "00.500");
  CHECK(eval1("date_format('not a time', 'yyyy')") == "NULL");
  CHECK(eval1("date_format('2017-02-30 00:00:00', 'yyyy')") == "NULL");
  CHECK(eval_rows("date_format(CASE WHEN i > 0 THEN '2020-01-02 03:04:05' ELSE ns END, 'HH')") ==
        "03, NULL, NULL, 03");
}

TEST_CASE("date_format is NULL for NULL arguments and checks a literal pattern when compiled") {
  CHECK(eval1("date_format(NULL, 'yyyy')") == "NULL");
  CHECK(eval1("date_format(t, NULL)") == "NULL");
  ExprError e = compile_error("date_format(t, 'yyyy-MM-dd Q')");
  CHECK(e.message.find("date pattern letter 'Q' is not supported") != std::string::npos);
  CHECK(e.offset == 15);
  CHECK(compile_error("date_format(t, 'yyyy ''open')").message.find("unclosed quote") != std::string::npos);
  CHECK(compile_error("date_format(i, 'yyyy')").message == "date_format needs a timestamp or string argument, got int64");
  CHECK(compile_error("date_format(t)").message == "function date_format takes 2 arguments, got 1");
  // A pattern computed per row: a bad one gives NULL.
  CHECK(eval_rows("date_format(t, CASE WHEN i > 0 THEN 'yyyy' ELSE 'Q' END)") == "1970, NULL, NULL, 1969");
  CHECK(eval_rows("date_format(t, CASE WHEN i > 0 THEN 'yyyy' ELSE 'MM' END || '!')") == "1970!, 01!, 01!, 1969!");
  CHECK(eval_rows("date_format(t, CASE WHEN i = 0 THEN NULL ELSE 'yyyy' END)") == "1970, 1970, NULL, 1969");
}

TEST_CASE("year, month, dayofmonth, hour, minute and second read the UTC fields") {
  CHECK(eval_rows("year(t)") == "1970, 1970, 2024, 1969");
  CHECK(eval_rows("month(t)") == "1, 1, 1, 12");
  CHECK(eval_rows("dayofmonth(t)") == "1, 1, 1, 31");
  CHECK(eval_rows("hour(t)") == "0, 0, 0, 23");
  CHECK(eval_rows("minute(t)") == "0, 0, 0, 59");
  CHECK(eval_rows("second(t)") == "0, 1, 0, 59");
  CHECK(eval1("hour(TIMESTAMP '1994-09-27 13:14:15')") == "13");
  CHECK(eval1("minute('1994-09-27 13:14:15')") == "14");
  CHECK(eval1("second(NULL)") == "NULL");
  CHECK(eval1("year(TIMESTAMP '1600-02-29 00:00:00')") == "1600");
  CHECK(compile_error("hour(s)").message ==
        "hour needs a timestamp argument, got string (to_timestamp reads a string as a timestamp)");
  CHECK(compile_error("year(i)").message == "year needs a timestamp argument, got int64");
  CHECK(compile_error("month('soon')").message == "cannot read 'soon' as a timestamp");
  CHECK(compile_error("minute(t, t)").message == "function minute takes 1 argument, got 2");
}

TEST_CASE("EXTRACT reads the same fields") {
  CHECK(eval_rows("EXTRACT(YEAR FROM t)") == "1970, 1970, 2024, 1969");
  CHECK(eval_rows("extract(day from t)") == "1, 1, 1, 31");
  CHECK(eval1("EXTRACT(HOUR FROM TIMESTAMP '1994-09-27 13:14:15')") == "13");
  CHECK(eval1("EXTRACT(SECOND FROM TIMESTAMP '1994-09-27 13:14:15')") == "15");
  CHECK(compile_error("EXTRACT(DOW FROM t)").message ==
        "EXTRACT supports YEAR, MONTH, DAY, HOUR, MINUTE and SECOND, not 'dow'");
  CHECK(compile_error("EXTRACT(HOUR FROM s)").message ==
        "hour needs a timestamp argument, got string (to_timestamp reads a string as a timestamp)");
}

TEST_CASE("to_timestamp parses the default format or a pattern, NULL when it cannot") {
  CHECK(eval1("to_timestamp('1970-01-01 00:00:01')") == "1000");
  CHECK(eval1("to_timestamp('2024-01-01 00:00:00.25')") == "1704067200250");
  CHECK(eval1("to_timestamp('2024-1-1')") == "1704067200000");
  CHECK(eval1("to_timestamp('2024-01-01T00:00:00')") == "NULL");
  CHECK(eval1("to_timestamp('2024-02-30 00:00:00')") == "NULL");
  CHECK(eval1("to_timestamp('garbage')") == "NULL");
  CHECK(eval1("to_timestamp('')") == "NULL");
  CHECK(eval1("to_timestamp('20240101', 'yyyyMMdd')") == "1704067200000");
  CHECK(eval1("to_timestamp('01/02/2024 13:00', 'dd/MM/yyyy HH:mm')") == "1706792400000");
  CHECK(eval1("to_timestamp('1/2/2024', 'dd/MM/yyyy')") == "NULL");  // MM wants two digits
  CHECK(eval1("to_timestamp('2024-01-01 01:02:03.456', 'yyyy-MM-dd HH:mm:ss.SSS')") == "1704070923456");
  CHECK(eval1("to_timestamp('Jan 5 2024 3 PM', 'MMM d yyyy h a')") == "1704466800000");
  CHECK(eval1("to_timestamp('2024-01-01 extra', 'yyyy-MM-dd')") == "NULL");
  CHECK(eval1("to_timestamp('24-03-01', 'yy-MM-dd')") == "1709251200000");
  CHECK(eval_rows("to_timestamp(ns, 'yyyy')") == "NULL, NULL, NULL, NULL");
  CHECK(eval1("to_timestamp(NULL)") == "NULL");
  CHECK(compile_error("to_timestamp(t)").message == "to_timestamp needs a string argument, got timestamp");
  CHECK(compile_error("to_timestamp('2024', 'yyyy', 'x')").message ==
        "function to_timestamp takes 1 or 2 arguments, got 3");
  auto e = compile("to_timestamp(s)");
  CHECK(e->type() == DataType::kTimestamp);
}

TEST_CASE("unix_timestamp gives seconds, Long.MIN_VALUE for text that does not parse, as Flink") {
  CHECK(eval1("unix_timestamp('1970-01-01 00:00:44')") == "44");
  CHECK(eval1("unix_timestamp('1969-12-31 23:59:59')") == "-1");
  CHECK(eval1("unix_timestamp('1970-01-01 08:00:01.001', 'yyyy-MM-dd HH:mm:ss.SSS')") == "28801");
  CHECK(eval1("unix_timestamp('1970-01-01 00:00:01.001')") == "-9223372036854775808");
  CHECK(eval1("unix_timestamp('nope')") == "-9223372036854775808");
  CHECK(eval1("unix_timestamp(NULL)") == "NULL");
  CHECK(compile_error("unix_timestamp()").message ==
        "unix_timestamp() reads the clock, which eddy's expressions do not; unix_timestamp(string [, pattern]) "
        "reads a time");
}

TEST_CASE("from_unixtime writes seconds since the epoch as text") {
  CHECK(eval1("from_unixtime(44)") == "1970-01-01 00:00:44");
  CHECK(eval1("from_unixtime(1704067200, 'yyyy/MM/dd')") == "2024/01/01");
  CHECK(eval1("from_unixtime(-1)") == "1969-12-31 23:59:59");
  CHECK(eval_rows("from_unixtime(n)") == "1970-01-01 00:00:01, NULL, 1970-01-01 00:00:03, NULL");
  CHECK(eval1("from_unixtime(9223372036854775807)") == "NULL");  // past the range of milliseconds
  CHECK(compile_error("from_unixtime(s)").message == "from_unixtime needs an int64 argument, got string");
}

TEST_CASE("timestampadd adds units, months clipped to the month's last day") {
  CHECK(eval_rows("timestampadd(SECOND, 1, t)") == "1000, 2000, 1704067201000, 999");
  CHECK(eval1("timestampadd(MINUTE, -1, t)") == "-60000");
  CHECK(eval1("timestampadd(hour, 2, t)") == "7200000");
  CHECK(eval1("timestampadd(DAY, 1, t)") == "86400000");
  CHECK(eval1("timestampadd(WEEK, 1, t)") == "604800000");
  CHECK(eval1("date_format(timestampadd(MONTH, 1, TIMESTAMP '2024-01-31 10:00:00'), 'yyyy-MM-dd HH')") ==
        "2024-02-29 10");
  CHECK(eval1("date_format(timestampadd(MONTH, -13, TIMESTAMP '2024-03-31 00:00:00'), 'yyyy-MM-dd')") ==
        "2023-02-28");
  CHECK(eval1("date_format(timestampadd(QUARTER, 1, TIMESTAMP '2024-11-30 00:00:00'), 'yyyy-MM-dd')") ==
        "2025-02-28");
  CHECK(eval1("date_format(timestampadd(YEAR, 1, TIMESTAMP '2024-02-29 00:00:00'), 'yyyy-MM-dd')") ==
        "2025-02-28");
  CHECK(eval_rows("timestampadd(SECOND, n, t)") == "1000, NULL, 1704067203000, NULL");
  CHECK(eval_error("timestampadd(DAY, 9223372036854775807, t)").message().find("outside the range of timestamps") !=
        std::string::npos);
  CHECK(compile_error("timestampadd(fortnight, 1, t)").message ==
        "timestampadd needs a time unit as its first argument: SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, QUARTER "
        "or YEAR");
  CHECK(compile_error("timestampadd(HOUR, 1.5, t)").message == "timestampadd needs an int64 argument, got float64");
  CHECK(compile_error("timestampadd(HOUR, 1)").message == "function timestampadd takes 3 arguments, got 2");
}

TEST_CASE("timestampdiff counts whole units from the first timestamp to the second") {
  CHECK(eval_rows("timestampdiff(SECOND, TIMESTAMP '1970-01-01 00:00:00', t)") == "0, 1, 1704067200, 0");
  CHECK(eval1("timestampdiff(HOUR, TIMESTAMP '2024-01-01 10:00:00', TIMESTAMP '2024-01-01 07:30:00')") == "-2");
  CHECK(eval1("timestampdiff(DAY, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-03-01 00:00:00')") == "60");
  CHECK(eval1("timestampdiff(MINUTE, '2024-01-01 00:00:00', '2024-01-01 00:59:59')") == "59");
  CHECK(eval1("timestampdiff(MONTH, TIMESTAMP '2024-01-31 00:00:00', TIMESTAMP '2024-02-29 00:00:00')") == "1");
  CHECK(eval1("timestampdiff(MONTH, TIMESTAMP '2024-01-15 12:00:00', TIMESTAMP '2024-02-15 11:59:59')") == "0");
  CHECK(eval1("timestampdiff(MONTH, TIMESTAMP '2024-03-15 00:00:00', TIMESTAMP '2024-01-20 00:00:00')") == "-1");
  CHECK(eval1("timestampdiff(YEAR, TIMESTAMP '2000-02-29 00:00:00', TIMESTAMP '2024-02-28 00:00:00')") == "23");
  CHECK(eval1("timestampdiff(QUARTER, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-12-31 00:00:00')") == "3");
  CHECK(eval1("timestampdiff(DAY, t, NULL)") == "NULL");
  CHECK(compile_error("timestampdiff(DAY, t, i)").message == "timestampdiff needs a timestamp argument, got int64");
}
