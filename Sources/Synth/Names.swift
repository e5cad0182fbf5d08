/// Name parts for streets, estates, parks and zones (invented; any resemblance to a real place is by the stems).
enum Names {
    static let stems: [String] = [
        "阳明", "象山", "滕王", "豫章", "洪都", "赣江", "青云", "瑶湖", "艾溪", "梅岭", "鄱阳", "井冈", "庐山", "孺子",
        "绳金", "百花", "翠苑", "桃花", "丰和", "红角", "沿江", "洪城", "紫阳", "东湖", "西山", "南浦", "北沥", "龙王",
        "花园", "永叔", "文教", "广场", "胜利", "船山", "叠山", "象湖", "莲塘", "昌北", "蛟桥", "凤凰", "金沙", "玉带",
        "榕门", "滨湖", "朝阳", "长青", "湖坊", "彭家", "渊明", "观洲", "清风", "明德", "新溪", "松柏", "樟树", "云锦",
        "春晖", "秋水", "安澜", "锦绣", "星河", "汇仁", "怀德", "友谊", "和平", "建设", "解放", "民德", "迎宾", "站前",
    ]
    @inline(__always) static func stem(_ h: UInt64) -> String { stems[Int(h % UInt64(stems.count))] }
    static let minorSuffix = ["路", "街", "巷", "里"]
    static let buildingSuffix = ["大厦", "中心", "广场", "大楼"]
    static let publicSuffix = ["中学", "小学", "医院", "图书馆", "文化馆", "体育馆"]
    static let districtStems = ["赣江", "滨湖", "洪都", "豫章", "瑶湖", "梅岭", "象湖", "艾溪", "青云", "昌北", "莲塘", "蛟桥",
                                "凤凰", "金沙", "玉带", "滕王"]
}
